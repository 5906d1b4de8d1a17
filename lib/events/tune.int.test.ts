// Tuning from an event through the existing audited services: the suggested exclusion is accepted as it
// is, the deny-list addition takes the event's address, and both audit rows name the event.
import { describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { addIpEntries } from "@/lib/policies/service";
import { createExclusion } from "@/lib/rules/service";
import { insertEvents } from "@/lib/testing/event-fixtures";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";
import { can } from "@/lib/auth/permissions";
import { getEvent } from "./queries";
import { suggestExclusions } from "./suggest";

const editor: AuditContext = { actor: { id: null, email: "editor@tune.test" } };

describe(`tune from an event (${process.env.TEST_DB})`, () => {
  it("saves the narrowest suggestion and a deny entry, each audit row naming the event", async () => {
    const vhost = await createVhost(editor, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: "tune.example.test", backendUrl: "http://10.0.0.1" }));
    const [id] = await insertEvents([
      { at: new Date(), vhostId: vhost.id, vhost: vhost.domain, client: "203.0.113.9", uri: "/search?q=x", matches: [{ ruleId: 942100, variable: "ARGS:q", tags: ["attack-sqli"] }, { ruleId: 949110 }] },
    ]);
    const e = (await getEvent(id!))!;
    const [narrowest] = suggestExclusions({ path: e.event.path, matches: e.scoring });
    expect(narrowest!.description).toBe("Rule 942100 ignores ARGS:q on /search");

    const created = await createExclusion(editor, { vhostId: vhost.id, ...narrowest!.exclusion, fromEvent: id });
    const exclusionAudit = await db.auditEvent.findFirstOrThrow({ where: { action: "exclusion.create", entityId: created.id } });
    expect(exclusionAudit.summary).toBe(`Excluded rule 942100 target ARGS:q under /search on tune.example.test (from WAF event ${id})`);
    expect(exclusionAudit.after).toMatchObject({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q", pathPrefix: "/search", fromEvent: id });

    const denied = await addIpEntries(editor, { vhostId: vhost.id, kind: "DENY", text: e.event.clientAddress, confirmWide: false, fromEvent: id });
    expect(denied.addedCount).toBe(1);
    expect(await db.ipListEntry.findMany({ where: { vhostId: vhost.id }, select: { kind: true, cidr: true } })).toEqual([{ kind: "DENY", cidr: "203.0.113.9" }]);
    const ipAudit = await db.auditEvent.findFirstOrThrow({ where: { action: "iplist.add", vhostId: vhost.id } });
    expect(ipAudit.summary).toContain(`(from WAF event ${id})`);
    expect(ipAudit.after).toMatchObject({ kind: "DENY", fromEvent: id });
  });

  it("without an event, the audit rows are as before", async () => {
    const vhost = await createVhost(editor, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: "plain.example.test", backendUrl: "http://10.0.0.1" }));
    const created = await createExclusion(editor, { vhostId: vhost.id, kind: "REMOVE_BY_ID", ruleId: 942100 });
    const row = await db.auditEvent.findFirstOrThrow({ where: { action: "exclusion.create", entityId: created.id } });
    expect(row.summary).toBe("Excluded rule 942100 on plain.example.test");
    expect(row.after).not.toHaveProperty("fromEvent");
  });

  it("every role reads events; only EDITOR and ADMIN tune", () => {
    for (const role of ["ADMIN", "EDITOR", "AUDITOR"] as const) expect(can(role, "event.read")).toBe(true);
    expect(can("AUDITOR", "policy.write")).toBe(false);
  });
});
