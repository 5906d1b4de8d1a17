// Data for e2e/read-only-pages.spec.ts, made through the service layer as the panel makes it (run with
// tsx, DATABASE_URL = the project's e2e database): a vhost with a custom rule, an exclusion and an IP
// entry, a custom template, a registered node (with certificates) and a published revision, so that every dynamic page has
// something to show. Prints the ids as one JSON line.
import type { AuditContext } from "@/lib/audit/audited";
import { publishConfig } from "@/lib/config/service";
import type { EngineChecker } from "@/lib/config/check";
import { db, disconnectDb } from "@/lib/db";
import { recordNodeStatus, registerNode } from "@/lib/nodes/service";
import { addIpEntries } from "@/lib/policies/service";
import { createCustomRule, createExclusion } from "@/lib/rules/service";
import { TemplateFormSchema, EMPTY_TEMPLATE_FORM } from "@/lib/templates/schema";
import { createTemplate } from "@/lib/templates/service";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";
import { insertEvents } from "@/lib/testing/event-fixtures";
import { certificateEntry } from "@/lib/testing/node-fixtures";

const ctx: AuditContext = { actor: { id: null, email: "system:e2e-pages" } };
// The pages are what is tested here, not the engine: publish without running nginx -t.
const noEngine: EngineChecker = async () => ({ checked: false, reason: "not checked in this e2e spec" });

async function main() {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const vhost = await createVhost(ctx, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: `pages-${tag}.example.com`, backendUrl: "http://10.0.0.7:8080" }));
  const ruleId = 50_000 + Math.floor(Math.random() * 39_000);
  await createCustomRule(ctx, { vhostId: vhost.id, ruleId, description: "e2e pages", secRule: `SecRule ARGS:pages "@streq 1" "id:${ruleId},phase:1,deny,status:403"`, enabled: true });
  await createExclusion(ctx, { vhostId: vhost.id, kind: "REMOVE_BY_ID", ruleId: 920350 });
  await addIpEntries(ctx, { vhostId: vhost.id, kind: "DENY", text: "192.0.2.77", confirmWide: false });
  const template = await createTemplate(ctx, TemplateFormSchema.parse({ ...EMPTY_TEMPLATE_FORM, name: `pages-${tag}`, description: "e2e pages" }));
  const node = await registerNode(ctx, { name: `pages-${tag}` });
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
  await publishConfig(ctx, { basedOn: latest?.number ?? null, checker: noEngine });
  const revision = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" }, select: { number: true } });
  // The node applied it and serves three certificates: expired, expiring soon, fine (red, red, green on /nodes).
  await recordNodeStatus(await db.wafNode.findUniqueOrThrow({ where: { id: node.node.id } }), {
    revision: revision.number,
    ok: true,
    message: "nginx reloaded",
    certificates: [certificateEntry(vhost.domain, 90), certificateEntry(`old-${vhost.domain}`, -3), certificateEntry(`soon-${vhost.domain}`, 10)],
  });
  const builtIn = await db.policyTemplate.findFirstOrThrow({ where: { builtIn: true }, select: { id: true } });
  const event = await db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { id: true } });
  const [wafEventId] = await insertEvents([
    { at: new Date(), vhostId: vhost.id, vhost: vhost.domain, client: "192.0.2.9", uri: "/search?q=1", revision: revision.number, matches: [{ ruleId: 942100, variable: "ARGS:q", data: "1' or 1=1", tags: ["attack-sqli"] }, { ruleId: 949110 }] },
  ]);
  console.log(JSON.stringify({ wafEventId, vhostId: vhost.id, templateId: template.id, builtInTemplateId: builtIn.id, revision: revision.number, auditEventId: event.id }));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => disconnectDb());
