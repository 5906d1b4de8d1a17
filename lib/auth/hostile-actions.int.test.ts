// Hostile input through every server action (found the same way as the authorization matrix):
// whatever arrives, an action answers with a result object — never an unhandled throw — and the
// database stays consistent: every vhost has its policy, and the audit chain still verifies.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { hashEvent } from "@/lib/audit/chain";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { createVhost } from "@/lib/vhosts/service";
import { runWithSession } from "./session";

type Action = (input: unknown) => Promise<unknown>;
const actions: Record<string, Action> = {};
let admin: { uid: string; sv: number };
let vhostId: string;

function actionFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : actionFiles(p);
    return e.name === "actions.ts" ? [p] : [];
  });
}

beforeAll(async () => {
  for (const file of actionFiles(path.join(process.cwd(), "lib"))) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== "function") continue;
      // A native form action (lib/auth/form-action.ts) takes what the browser posts: hostile input arrives as
      // FormData entries and as its shape and start fields, and the answer's result is judged like any other.
      if (/Form$/.test(name)) {
        const native = fn as (prev: unknown, fd: unknown) => Promise<{ result: unknown } | null>;
        actions[name] = async (input: unknown) => {
          const fd = new FormData();
          const entries = input && typeof input === "object" ? Object.entries(input as Record<string, unknown>) : [];
          for (const [k, v] of entries) fd.append(k, typeof v === "string" ? v : JSON.stringify(v) ?? "");
          fd.set("$shape", JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, typeof v === "number" ? "n" : typeof v === "boolean" ? "b" : "s"]))));
          fd.set("$start", JSON.stringify(input ?? null));
          return (await native(input, fd))!.result;
        };
      } else actions[name] = fn as Action;
    }
  }
  const u = await createUser({ actor: { id: null, email: "setup@example.test" } }, { email: "hostile-admin@example.test", name: "A", role: "ADMIN", password: "hostile-admin-pass" });
  admin = { uid: u.id, sv: u.sessionVersion };
  const v = await createVhost({ actor: { id: null, email: "setup@example.test" } }, {
    domain: "hostile.example.test", aliases: [], backendUrl: "http://10.0.0.1", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true,
  });
  vhostId = v.id;
});

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "\n", "\r\n", "\u2028", "\0", "'", '"', "\\", "`", "${x}", "%{tx.x}", "</script>", "#", "}", ";", "DROP TABLE \"User\";--", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ѕhop.example.com", "0.0.0.0/0", "::/0", "fe80::1%eth0", "010.0.0.1", "x".repeat(5000)),
);
const hostileValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(hostileString, { maxLength: 3 }));
/** Objects shaped like real inputs (known field names) with hostile values, plus arbitrary junk. */
const FIELDS = ["id", "vhostId", "version", "domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled", "engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold", "kind", "text", "confirmWide", "cidr", "note", "ruleId", "ruleIdEnd", "secRule", "description", "tag", "target", "pathPrefix", "email", "name", "role", "password", "templateId", "days", "$key"];
const hostileInput = fc.oneof(
  fc.anything(),
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 12 }),
  fc.record({ vhostId: fc.constant("__VHOST__"), id: fc.constant("__VHOST__"), version: fc.integer({ min: -1, max: 3 }) }).chain((base) =>
    fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }).map((extra) => ({ ...extra, ...base })),
  ),
);

async function assertConsistent() {
  const orphans = await db.virtualHost.count({ where: { policy: null } });
  expect(orphans, "every vhost keeps its policy").toBe(0);
  const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
  let prev = "0".repeat(64);
  for (const [i, e] of events.entries()) {
    expect(e.seq, "sequence without gaps").toBe(i + 1);
    expect(e.prevHash, `event #${e.seq} links to the previous one`).toBe(prev);
    expect(hashEvent(e), `event #${e.seq} hash`).toBe(e.hash);
    prev = e.hash;
  }
  const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
  expect(head.lastSeq).toBe(events.length);
}

describe(`hostile input through every action (${process.env.TEST_DB})`, () => {
  it("never throws, always answers with a result, and leaves the database consistent", async () => {
    const names = Object.keys(actions).sort();
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      // "Sign out everywhere" bumps the admin's sessionVersion: keep the claim current.
      admin.sv = (await db.user.findUniqueOrThrow({ where: { id: admin.uid } })).sessionVersion;
      await fc.assert(
        fc.asyncProperty(hostileInput, async (raw) => {
          const input = JSON.parse(JSON.stringify(raw ?? null, (_k, v) => (v === "__VHOST__" ? vhostId : typeof v === "bigint" ? Number(v) : v)) ?? "null");
          admin.sv = (await db.user.findUniqueOrThrow({ where: { id: admin.uid } })).sessionVersion;
          const result = (await runWithSession(admin, () => actions[name]!(input))) as { ok?: unknown; error?: unknown };
          expect(result.error, `${name} must not see a signed-out session`).not.toBe("Your session has ended. Sign in again.");
          expect(typeof result, `${name} result`).toBe("object");
          expect(typeof result.ok, `${name} result.ok`).toBe("boolean");
          if (!result.ok) expect(typeof result.error).toBe("string");
        }),
        { numRuns: 25, seed: 42 },
      );
    }
    await assertConsistent();
  }, 120_000);
});
