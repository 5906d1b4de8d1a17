// Loading the compiler's input in pages (SQLite and PostgreSQL): with a chunk smaller than the number of
// vhosts, the loader asks for several pages, none larger than the chunk, and returns exactly what one
// query for all of them returns — same vhosts, same order, same children.
import { beforeAll, describe, expect, it } from "vitest";
import { db, type Tx } from "@/lib/db";
import { loadVhostInputs } from "./load";
import { makeVhost } from "@/lib/testing/config-fixtures";

/** The shared client, with every vhost query's `take` recorded. */
function countingClient() {
  const takes: (number | undefined)[] = [];
  const client = {
    virtualHost: {
      findMany: ((args: Parameters<Tx["virtualHost"]["findMany"]>[0]) => {
        takes.push(args?.take);
        return db.virtualHost.findMany(args);
      }) as Tx["virtualHost"]["findMany"],
    },
  } as Pick<Tx, "virtualHost">;
  return { client, takes };
}

// Created out of domain order, so that the order of the result is the loader's, not the insertion's.
const DOMAINS = ["g.load.test", "c.load.test", "a.load.test", "f.load.test", "b.load.test", "e.load.test", "d.load.test"];
let ids: Record<string, string> = {};

beforeAll(async () => {
  for (const [i, domain] of DOMAINS.entries()) {
    const v = await makeVhost(domain, { aliases: `www.${domain}` });
    ids[domain] = v.id;
    // Children for each vhost: the relation queries run per page too.
    await db.ipListEntry.create({ data: { vhostId: v.id, kind: "DENY", cidr: `203.0.113.${i}/32`, note: `deny ${i}` } });
    await db.ipListEntry.create({ data: { vhostId: v.id, kind: "ALLOW", cidr: `198.51.100.${i}/32` } });
    await db.customRule.create({
      data: { vhostId: v.id, ruleId: 4100 + i, description: `rule ${i}`, secRule: `SecRule ARGS "@contains x${i}" "id:${4100 + i},phase:2,deny"`, position: 0 },
    });
    await db.customRule.create({
      data: { vhostId: v.id, ruleId: 4200 + i, description: "off", secRule: `SecRule ARGS "@contains y" "id:${4200 + i},phase:2,deny"`, enabled: false, position: 1 },
    });
    await db.ruleExclusion.create({ data: { vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 942100 + i } });
  }
  await makeVhost("off.load.test", { enabled: false });
});

describe(`loadVhostInputs in pages (${process.env.TEST_DB})`, () => {
  it("reads more vhosts than the chunk in several pages and returns what one query returns", async () => {
    const whole = await loadVhostInputs({ chunk: 1000 });
    expect(whole.map((v) => v.domain)).toEqual([...DOMAINS].sort());

    const { client, takes } = countingClient();
    const paged = await loadVhostInputs({ client, chunk: 3 });
    expect(takes).toEqual([3, 3, 3]); // 3 + 3 + 1 vhosts
    expect(paged).toEqual(whole);

    const a = paged.find((v) => v.domain === "a.load.test")!;
    const i = DOMAINS.indexOf("a.load.test");
    expect(a).toMatchObject({ id: ids["a.load.test"], aliases: ["www.a.load.test"], enabled: true, policy: { engineMode: "BLOCKING" } });
    expect(a.ipEntries).toEqual([
      { kind: "ALLOW", cidr: `198.51.100.${i}/32`, note: null },
      { kind: "DENY", cidr: `203.0.113.${i}/32`, note: `deny ${i}` },
    ]);
    expect(a.customRules.map((r) => r.ruleId)).toEqual([4100 + i]); // the disabled rule is left out
    expect(a.exclusions).toEqual([{ kind: "REMOVE_BY_ID", ruleId: 942100 + i, ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note: null }]);
  });

  it("stops after a full last page (an exact multiple of the chunk) and pages by one", async () => {
    const whole = await loadVhostInputs();
    const seven = countingClient();
    expect(await loadVhostInputs({ client: seven.client, chunk: 7 })).toEqual(whole);
    expect(seven.takes).toEqual([7, 7]); // 7, then an empty page
    const one = countingClient();
    expect(await loadVhostInputs({ client: one.client, chunk: 1 })).toEqual(whole);
    expect(one.takes).toHaveLength(8);
  });

  it("loads only the given vhosts, enabled ones, in pages too", async () => {
    const some = ["f.load.test", "a.load.test", "d.load.test", "b.load.test"].map((d) => ids[d]!);
    const disabled = await db.virtualHost.findUniqueOrThrow({ where: { domain: "off.load.test" } });
    const { client, takes } = countingClient();
    const got = await loadVhostInputs({ client, ids: [...some, disabled.id], chunk: 2 });
    expect(got.map((v) => v.domain)).toEqual(["a.load.test", "b.load.test", "d.load.test", "f.load.test"]);
    expect(takes).toEqual([2, 2, 2]);
    expect(await loadVhostInputs({ ids: [] })).toEqual([]);
  });

  it("refuses a chunk that is not a positive integer", async () => {
    await expect(loadVhostInputs({ chunk: 0 })).rejects.toThrow("loadVhostInputs: chunk must be a positive integer, got 0");
    await expect(loadVhostInputs({ chunk: 2.5 })).rejects.toThrow(/chunk must be a positive integer/);
  });

  it("loads more vhosts than the database takes in one IN list with the default page size", async () => {
    // SQLite through Prisma refuses an IN list of 2,000 ids: loading 2,100 in one query would fail, as
    // publishing did at 10,000 vhosts. The default page size must stay under that limit.
    const n = 2100;
    const rows = Array.from({ length: n }, (_, i) => ({ id: crypto.randomUUID(), domain: `bulk-${String(i).padStart(4, "0")}.load.test`, aliases: [], backendUrl: "http://10.0.0.1:8080" }));
    await db.virtualHost.createMany({ data: rows });
    await db.wafPolicy.createMany({ data: rows.map((v) => ({ vhostId: v.id })) });
    await db.ipListEntry.createMany({ data: rows.map((v, i) => ({ vhostId: v.id, kind: "DENY" as const, cidr: `10.${i >> 8}.${i & 255}.0/24` })) });
    const loaded = await loadVhostInputs();
    const bulk = loaded.filter((v) => v.domain.startsWith("bulk-"));
    expect(bulk).toHaveLength(n);
    expect(bulk.map((v) => v.domain)).toEqual(rows.map((r) => r.domain));
    expect(bulk.every((v) => v.ipEntries.length === 1)).toBe(true);
  });
});
