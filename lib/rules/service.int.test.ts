// Custom rules and rule exclusions against a real database (runs once on SQLite, once on PostgreSQL):
// every change writes its audit row in the same transaction, refused input writes nothing, and rule ids
// are unique across the installation even when two saves race.
import { describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { AppError, ConflictError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";
import { nextFreeRuleId } from "./queries";
import {
  createCustomRule,
  createExclusion,
  deleteCustomRule,
  deleteExclusion,
  moveCustomRule,
  setCustomRuleEnabled,
  updateCustomRule,
} from "./service";

const alice: AuditContext = { actor: { id: null, email: "alice@example.test" } };
const bob: AuditContext = { actor: { id: null, email: "bob@example.test" } };

let n = 0;
async function vhost(prefix = "rules") {
  n++;
  // Through the form's schema, so the test follows whatever the vhost form asks for.
  return createVhost(alice, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: `${prefix}-${n}-${Date.now()}.example.test`, backendUrl: "http://10.0.0.1" }));
}

function secRule(id: number, pattern = "(?i)<script") {
  return `SecRule ARGS:q "@rx ${pattern}" "id:${id},phase:2,deny,status:403,log,msg:'No script tags'"`;
}

function ruleInput(vhostId: string, ruleId: number, patch: Partial<{ description: string; secRule: string; enabled: boolean }> = {}) {
  return { vhostId, ruleId, description: `Rule ${ruleId}`, secRule: secRule(ruleId), enabled: true, ...patch };
}

async function totals() {
  return { rules: await db.customRule.count(), exclusions: await db.ruleExclusion.count(), events: await db.auditEvent.count() };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (err: unknown) => err,
  );
}

function fieldErrors(err: unknown) {
  expect(err).toBeInstanceOf(FieldValidationError);
  return (err as FieldValidationError).fieldErrors;
}

describe(`custom rules (${process.env.TEST_DB})`, () => {
  it("proposes the lowest free id across every vhost", async () => {
    const [a, b] = [await vhost(), await vhost()];
    expect(await nextFreeRuleId()).toBe(1);
    await createCustomRule(alice, ruleInput(a.id, 1));
    await createCustomRule(alice, ruleInput(b.id, 2));
    await createCustomRule(alice, ruleInput(a.id, 4));
    expect(await nextFreeRuleId()).toBe(3);
    await createCustomRule(alice, ruleInput(b.id, 3));
    expect(await nextFreeRuleId()).toBe(5);
  });

  it("adds rules at the end of the vhost's order, with an audit row holding the rule", async () => {
    const v = await vhost("shop");
    const first = await createCustomRule(alice, ruleInput(v.id, 10001));
    const second = await createCustomRule(alice, ruleInput(v.id, 10002, { enabled: false, description: "  Block probes  " }));
    expect([first.position, second.position]).toEqual([0, 1]);
    expect(second).toMatchObject({ ruleId: 10002, description: "Block probes", enabled: false, secRule: secRule(10002) });
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.create", entityId: first.id } });
    expect(e).toMatchObject({ entityType: "CustomRule", vhostId: v.id, actorEmail: "alice@example.test", summary: `Added custom rule 10001 to ${v.domain}` });
    expect(e.before).toBeNull();
    expect(e.after).toEqual({ ruleId: 10001, description: "Rule 10001", secRule: secRule(10001), enabled: true, position: 0 });
    const e2 = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.create", entityId: second.id } });
    expect(e2.summary).toBe(`Added custom rule 10002 to ${v.domain} (disabled)`);
  });

  it("refuses an id another vhost uses with a field error naming that vhost, and writes nothing", async () => {
    const [owner, other] = [await vhost("owner"), await vhost("other")];
    await createCustomRule(alice, ruleInput(owner.id, 11000));
    const before = await totals();
    const errors = fieldErrors(await refusal(createCustomRule(bob, ruleInput(other.id, 11000))));
    expect(errors.ruleId?.[0]).toContain(`Rule id 11000 is already used by a custom rule of ${owner.domain}`);
    expect(errors.ruleId?.[0]).toMatch(/The next free id is \d+\./);
    const sameVhost = fieldErrors(await refusal(createCustomRule(bob, ruleInput(owner.id, 11000))));
    expect(sameVhost.ruleId?.[0]).toContain(`this virtual host (${owner.domain})`);
    expect(await totals()).toEqual(before);
  });

  it("turns the unique-index race into the same field error (an insert committed while the save waits)", async () => {
    const [racer, v] = [await vhost("racer"), await vhost()];
    const before = await totals();
    let pending: Promise<unknown> = Promise.resolve();
    // PostgreSQL: our pre-check cannot see the uncommitted row, so the insert waits on the unique index and
    // fails when this transaction commits. SQLite: the save waits for the write lock and the pre-check sees it.
    await db.$transaction(
      async (tx) => {
        await tx.customRule.create({ data: { vhostId: racer.id, ruleId: 12000, description: "racer", secRule: secRule(12000), enabled: true, position: 0 } });
        pending = refusal(createCustomRule(alice, ruleInput(v.id, 12000)));
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
      { timeout: 15_000 },
    );
    const errors = fieldErrors(await pending);
    expect(errors.ruleId?.[0]).toContain(`Rule id 12000 is already used by a custom rule of ${racer.domain}`);
    expect(await totals()).toEqual({ ...before, rules: before.rules + 1 });
  });

  it("lets exactly one of two parallel creates with the same id win", async () => {
    const [a, b] = [await vhost(), await vhost()];
    const results = await Promise.allSettled([createCustomRule(alice, ruleInput(a.id, 13000)), createCustomRule(bob, ruleInput(b.id, 13000))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(fieldErrors(rejected!.reason).ruleId?.[0]).toContain("Rule id 13000 is already used");
    expect(await db.customRule.count({ where: { ruleId: 13000 } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "customrule.create", summary: { startsWith: "Added custom rule 13000 " } } })).toBe(1);
  });

  it("refuses invalid rules with errors naming what is wrong and where, and writes nothing", async () => {
    const v = await vhost();
    const before = await totals();
    const cases: [ReturnType<typeof ruleInput>, string, RegExp][] = [
      [ruleInput(v.id, 14000, { secRule: `${secRule(14000)}\nSecRule ARGS "@rx x" "id:14001,phase:2,deny"` }), "secRule", /^Column \d+: A line break .* is not allowed/],
      [ruleInput(v.id, 14000, { secRule: secRule(14000, "(?i)<script(") }), "secRule", /^Column 21: The regular expression does not compile/],
      [ruleInput(v.id, 14000, { secRule: `SecRule ARGS "@rx x" "id:14000,deny"` }), "secRule", /The phase action is missing/],
      [ruleInput(v.id, 14000, { secRule: `SecRule ARGS "@rx x" "id:14000,phase:2,deny,exec:/bin/sh"` }), "secRule", /^Column \d+: exec is not allowed/],
      [ruleInput(v.id, 14000, { secRule: secRule(14001) }), "secRule", /says id:14001, but this custom rule's id is 14000/],
      [{ ...ruleInput(v.id, 95000), secRule: secRule(95000) }, "ruleId", /90,000–99,999 are reserved for the rules Palisade generates/],
      [ruleInput(v.id, 14000, { description: " " }), "description", /Describe what the rule is for/],
    ];
    for (const [input, field, message] of cases) {
      const errors = fieldErrors(await refusal(createCustomRule(alice, input)));
      expect(errors[field]?.[0], JSON.stringify(input)).toMatch(message);
    }
    expect(await totals()).toEqual(before);
  });

  it("updates a rule loaded at its current version, bumps the version, and audits the changed fields before and after", async () => {
    const v = await vhost();
    const rule = await createCustomRule(alice, ruleInput(v.id, 15000));
    const updated = await updateCustomRule(bob, {
      ...ruleInput(v.id, 15000, { description: "Script tags in q", secRule: secRule(15000, "(?i)<scr") }),
      id: rule.id,
      version: rule.version,
    });
    expect(rule.version).toBe(1);
    expect(updated).toMatchObject({ description: "Script tags in q", secRule: secRule(15000, "(?i)<scr"), position: 0, version: 2 });
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.update", entityId: rule.id } });
    expect(e.summary).toBe(`Updated custom rule 15000 on ${v.domain}: description, secRule`);
    expect(e.before).toMatchObject({ description: "Rule 15000", secRule: secRule(15000) });
    expect(e.after).toMatchObject({ description: "Script tags in q", secRule: secRule(15000, "(?i)<scr") });
  });

  it("refuses a save over a newer one with a conflict naming who saved last, and changes nothing", async () => {
    const v = await vhost();
    const rule = await createCustomRule(alice, ruleInput(v.id, 16000));
    const loaded = rule.version;
    await updateCustomRule(alice, { ...ruleInput(v.id, 16000, { description: "Alice's" }), id: rule.id, version: loaded });
    const before = await totals();
    const err = await refusal(updateCustomRule(bob, { ...ruleInput(v.id, 16000, { description: "Bob's" }), id: rule.id, version: loaded }));
    expect(err).toBeInstanceOf(ConflictError);
    // The same shape as the policy's conflict: who, when, and the version to save over.
    expect(err).toMatchObject({ savedBy: "alice@example.test", currentVersion: 2 });
    expect((err as ConflictError).savedAt).toBeInstanceOf(Date);
    expect((err as ConflictError).message).toContain("alice@example.test saved this");
    expect(await totals()).toEqual(before);
    expect((await db.customRule.findUniqueOrThrow({ where: { id: rule.id } })).description).toBe("Alice's");
    // "Save mine over theirs": the same input with the current version is saved.
    const mine = await updateCustomRule(bob, { ...ruleInput(v.id, 16000, { description: "Bob's" }), id: rule.id, version: (err as ConflictError).currentVersion });
    expect(mine).toMatchObject({ description: "Bob's", version: 3 });
  });

  it("renumbering a rule onto a taken id is a field error", async () => {
    const [a, b] = [await vhost(), await vhost("taken")];
    await createCustomRule(alice, ruleInput(b.id, 17001));
    const rule = await createCustomRule(alice, ruleInput(a.id, 17000));
    const errors = fieldErrors(await refusal(updateCustomRule(alice, { ...ruleInput(a.id, 17001), id: rule.id, version: rule.version })));
    expect(errors.ruleId?.[0]).toContain(b.domain);
    const renumbered = await updateCustomRule(alice, { ...ruleInput(a.id, 17002), id: rule.id, version: rule.version });
    expect(renumbered.ruleId).toBe(17002);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.update", entityId: rule.id } });
    expect(e.summary).toBe(`Updated custom rule 17000 (now 17002) on ${a.domain}: ruleId, description, secRule`);
  });

  it("moves a rule up and down by swapping with its neighbour, keeping the version", async () => {
    const v = await vhost();
    const [r1, r2, r3] = [
      await createCustomRule(alice, ruleInput(v.id, 18001)),
      await createCustomRule(alice, ruleInput(v.id, 18002)),
      await createCustomRule(alice, ruleInput(v.id, 18003)),
    ];
    const order = async () => (await db.customRule.findMany({ where: { vhostId: v.id }, orderBy: { position: "asc" } })).map((r) => r.ruleId);
    expect(await moveCustomRule(bob, { vhostId: v.id, id: r3!.id, direction: "up" })).toEqual({ order: [18001, 18003, 18002] });
    expect(await order()).toEqual([18001, 18003, 18002]);
    await moveCustomRule(bob, { vhostId: v.id, id: r1!.id, direction: "down" });
    expect(await order()).toEqual([18003, 18001, 18002]);

    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.move", entityId: r3!.id } });
    expect(e.summary).toBe(`Moved custom rule 18003 up on ${v.domain} (now 2 of 3, before 18002)`);
    expect(e.before).toEqual({ order: [18001, 18002, 18003] });
    expect(e.after).toEqual({ order: [18001, 18003, 18002] });

    const before = await totals();
    await expect(moveCustomRule(bob, { vhostId: v.id, id: r3!.id, direction: "up" })).rejects.toThrow("Custom rule 18003 is already first.");
    await expect(moveCustomRule(bob, { vhostId: v.id, id: r2!.id, direction: "down" })).rejects.toThrow("Custom rule 18002 is already last.");
    expect(await totals()).toEqual(before);
    // An edit form opened before the move still saves: the position is not part of it.
    expect((await db.customRule.findUniqueOrThrow({ where: { id: r2!.id } })).version).toBe(r2!.version);
    await updateCustomRule(alice, { ...ruleInput(v.id, 18002, { description: "still mine" }), id: r2!.id, version: r2!.version });
  });

  it("enables and disables a rule with before/after, and refuses a toggle to the state it already has", async () => {
    const v = await vhost();
    const rule = await createCustomRule(alice, ruleInput(v.id, 19000));
    const off = await setCustomRuleEnabled(bob, { vhostId: v.id, id: rule.id, enabled: false });
    expect(off.enabled).toBe(false);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.disable", entityId: rule.id } });
    expect(e.summary).toBe(`Disabled custom rule 19000 on ${v.domain}`);
    expect(e.before).toMatchObject({ enabled: true });
    expect(e.after).toMatchObject({ enabled: false });
    const before = await totals();
    const err = await refusal(setCustomRuleEnabled(bob, { vhostId: v.id, id: rule.id, enabled: false }));
    expect(err).toBeInstanceOf(AppError);
    expect(await totals()).toEqual(before);
    expect((await setCustomRuleEnabled(bob, { vhostId: v.id, id: rule.id, enabled: true })).enabled).toBe(true);
    // The toggle changed the rule, so an edit form loaded before it gets a conflict naming bob.
    const stale = await refusal(updateCustomRule(alice, { ...ruleInput(v.id, 19000), id: rule.id, version: rule.version }));
    expect(stale).toMatchObject({ savedBy: "bob@example.test", currentVersion: 3 });
    expect((stale as ConflictError).message).toContain("bob@example.test saved this");
  });

  it("deletes a rule, keeping it in the audit row, and frees its id", async () => {
    const v = await vhost();
    const rule = await createCustomRule(alice, ruleInput(v.id, 20000));
    await deleteCustomRule(bob, { vhostId: v.id, id: rule.id });
    expect(await db.customRule.count({ where: { id: rule.id } })).toBe(0);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "customrule.delete", entityId: rule.id } });
    expect(e.summary).toBe(`Deleted custom rule 20000 from ${v.domain}`);
    expect(e.before).toEqual({ ruleId: 20000, description: "Rule 20000", secRule: secRule(20000), enabled: true, position: 0 });
    expect(e.after).toBeNull();
    await expect(deleteCustomRule(bob, { vhostId: v.id, id: rule.id })).rejects.toBeInstanceOf(NotFoundError);
    await createCustomRule(alice, ruleInput(v.id, 20000));
  });

  it("only touches a rule through its own vhost", async () => {
    const [a, b] = [await vhost(), await vhost()];
    const rule = await createCustomRule(alice, ruleInput(a.id, 21000));
    const before = await totals();
    await expect(deleteCustomRule(bob, { vhostId: b.id, id: rule.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(setCustomRuleEnabled(bob, { vhostId: b.id, id: rule.id, enabled: false })).rejects.toBeInstanceOf(NotFoundError);
    await expect(moveCustomRule(bob, { vhostId: b.id, id: rule.id, direction: "up" })).rejects.toBeInstanceOf(NotFoundError);
    expect(await totals()).toEqual(before);
  });
});

describe(`rule exclusions (${process.env.TEST_DB})`, () => {
  it("stores every kind and audits it with a summary saying what is excluded where", async () => {
    const v = await vhost("shop");
    const made = [
      await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:password", pathPrefix: "/login" }),
      await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 920350 }),
      await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199, pathPrefix: "/api/", note: "JSON API" }),
      await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_BY_TAG", tag: "attack-sqli", pathPrefix: "/search" }),
      await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_TARGET_BY_TAG", tag: "attack-xss", target: "REQUEST_COOKIES:session" }),
    ];
    const summaries = await Promise.all(made.map((x) => db.auditEvent.findFirstOrThrow({ where: { entityId: x.id } }).then((e) => e.summary)));
    expect(summaries).toEqual([
      `Excluded rule 942100 target ARGS:password under /login on ${v.domain}`,
      `Excluded rule 920350 on ${v.domain}`,
      `Excluded rules 942100–942199 under /api/ on ${v.domain}`,
      `Excluded rules tagged attack-sqli under /search on ${v.domain}`,
      `Excluded target REQUEST_COOKIES:session of rules tagged attack-xss on ${v.domain}`,
    ]);
    const e = await db.auditEvent.findFirstOrThrow({ where: { entityId: made[2]!.id } });
    expect(e).toMatchObject({ action: "exclusion.create", entityType: "RuleExclusion", vhostId: v.id });
    expect(e.after).toEqual({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199, tag: null, target: null, pathPrefix: "/api/", note: "JSON API" });
    expect(made[1]).toMatchObject({ ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note: null });
  });

  it("refuses the blocking-evaluation rules, non-CRS ids, bad targets and duplicates, writing nothing", async () => {
    const v = await vhost();
    await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_BY_TAG", tag: "attack-rce" });
    const before = await totals();
    const cases: [Parameters<typeof createExclusion>[1], string, RegExp][] = [
      [{ vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 949110 }, "ruleId", /949110 is a rule that turns the anomaly score into a block/],
      [{ vhostId: v.id, kind: "REMOVE_TARGET_BY_ID", ruleId: 959101, target: "ARGS:q" }, "ruleId", /959101 is a rule that turns/],
      [{ vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 949000, ruleIdEnd: 949200 }, "ruleIdEnd", /includes 949110, 949111 are rules that turn/],
      [{ vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 10001 }, "ruleId", /CRS rules have ids 900000–999999; for your own rules \(ids 1–89999\)/],
      [{ vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 1_000_000 }, "ruleId", /CRS rules have ids/],
      [{ vhostId: v.id, kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:a b" }, "target", /cannot contain a space/],
      [{ vhostId: v.id, kind: "REMOVE_BY_TAG", tag: "attack sqli" }, "tag", /A tag may contain only/],
      [{ vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "api" }, "pathPrefix", /must start with '\/'/],
      [{ vhostId: v.id, kind: "REMOVE_BY_TAG", tag: "attack-rce" }, "tag", /already has this exclusion \(rules tagged attack-rce\)/],
    ];
    for (const [input, field, message] of cases) {
      const errors = fieldErrors(await refusal(createExclusion(alice, input)));
      expect(errors[field]?.[0], JSON.stringify(input)).toMatch(message);
    }
    expect(await totals()).toEqual(before);
  });

  it("deletes an exclusion, keeping it in the audit row", async () => {
    const v = await vhost();
    const x = await createExclusion(alice, { vhostId: v.id, kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:password", pathPrefix: "/login", note: "login form" });
    const other = await vhost();
    await expect(deleteExclusion(bob, { vhostId: other.id, id: x.id })).rejects.toBeInstanceOf(NotFoundError);
    await deleteExclusion(bob, { vhostId: v.id, id: x.id });
    expect(await db.ruleExclusion.count({ where: { id: x.id } })).toBe(0);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "exclusion.delete", entityId: x.id } });
    expect(e.summary).toBe(`Deleted the exclusion of rule 942100 target ARGS:password under /login on ${v.domain}`);
    expect(e.actorEmail).toBe("bob@example.test");
    expect(e.before).toEqual({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, ruleIdEnd: null, tag: null, target: "ARGS:password", pathPrefix: "/login", note: "login form" });
    await expect(deleteExclusion(bob, { vhostId: v.id, id: x.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});
