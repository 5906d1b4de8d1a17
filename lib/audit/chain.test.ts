import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkChainLink, GENESIS_HASH, hashEvent, type HashedFields } from "./chain";

const base: HashedFields = {
  seq: 1,
  createdAt: new Date("2026-11-24T08:00:00.123Z"),
  actorId: null,
  actorEmail: "admin@palisade.local",
  action: "vhost.update",
  entityType: "VirtualHost",
  entityId: "v1",
  vhostId: null,
  summary: "Updated a.test: backendUrl",
  before: { backendUrl: "http://a", aliases: ["x", "y"] },
  after: { aliases: ["x", "y"], backendUrl: "http://b" },
  ip: "127.0.0.1",
  userAgent: "test",
  prevHash: GENESIS_HASH,
};

describe("hashEvent (canonical JSON, RFC 8785)", () => {
  it("is the SHA-256 of the canonical content: keys sorted, no whitespace, dates in ISO 8601", () => {
    const canonical =
      `{"action":"vhost.update","actorEmail":"admin@palisade.local","actorId":null,` +
      `"after":{"aliases":["x","y"],"backendUrl":"http://b"},"before":{"aliases":["x","y"],"backendUrl":"http://a"},` +
      `"createdAt":"2026-11-24T08:00:00.123Z","entityId":"v1","entityType":"VirtualHost","ip":"127.0.0.1",` +
      `"prevHash":"${GENESIS_HASH}","seq":1,"summary":"Updated a.test: backendUrl","userAgent":"test","vhostId":null}`;
    expect(hashEvent(base)).toBe(createHash("sha256").update(canonical).digest("hex"));
  });

  it("does not depend on key order, on Date versus ISO string, or on extra stored columns", () => {
    const reordered = { ...base, before: { aliases: ["x", "y"], backendUrl: "http://a" }, createdAt: "2026-11-24T08:00:00.123Z" };
    expect(hashEvent(reordered)).toBe(hashEvent(base));
    expect(hashEvent({ ...base, id: "ignored", hash: "ignored" } as HashedFields)).toBe(hashEvent(base));
  });

  it("changes when any hashed field changes, list order included", () => {
    const h = hashEvent(base);
    const variants: Partial<HashedFields>[] = [
      { seq: 2 },
      { createdAt: new Date("2026-11-24T08:00:00.124Z") },
      { actorId: "u1" },
      { actorEmail: "other@palisade.local" },
      { action: "vhost.create" },
      { entityId: "v2" },
      { vhostId: "v1" },
      { summary: "Updated a.test: backendUrl " },
      { before: null },
      { after: { aliases: ["y", "x"], backendUrl: "http://b" } },
      { ip: null },
      { userAgent: "other" },
      { prevHash: "1".repeat(64) },
    ];
    for (const v of variants) expect(hashEvent({ ...base, ...v }), JSON.stringify(v)).not.toBe(h);
  });

  it("treats undefined values as the database stores them", () => {
    expect(hashEvent({ ...base, before: undefined })).toBe(hashEvent({ ...base, before: null }));
    expect(hashEvent({ ...base, after: { a: 1, b: undefined } })).toBe(hashEvent({ ...base, after: { a: 1 } }));
  });
});

describe("checkChainLink", () => {
  const e1 = { ...base, hash: hashEvent(base) };
  const e2f = { ...base, seq: 2, prevHash: e1.hash, summary: "second" };
  const e2 = { ...e2f, hash: hashEvent(e2f) };

  it("accepts the expected next event", () => {
    expect(checkChainLink(e1, 1, GENESIS_HASH)).toBeNull();
    expect(checkChainLink(e2, 2, e1.hash)).toBeNull();
  });

  it("names a gap at the first missing seq", () => {
    expect(checkChainLink(e2, 1, GENESIS_HASH)).toEqual({ seq: 1, reason: "event #1 is missing: deleted after it was written" });
    expect(checkChainLink({ ...e2, seq: 5 }, 2, e1.hash)?.reason).toBe("event #2 to #4 are missing: deleted after it was written");
  });

  it("names an edited event and a broken link", () => {
    expect(checkChainLink({ ...e2, summary: "edited" }, 2, e1.hash)?.reason).toBe("event #2 does not match its hash: its content was changed after it was written");
    expect(checkChainLink(e2, 2, "f".repeat(64))?.reason).toBe("event #2 does not link to event #1: one of them was altered or replaced");
  });
});
