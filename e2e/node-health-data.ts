// Data for e2e/node-health.spec.ts, made through the service layer as the panel and the node API make it
// (run with tsx, DATABASE_URL = the project's e2e database): two published revisions; a node on the latest
// that serves a certificate expiring in 5½ days and one with 200½ days left; a node still on the older one.
// Prints the names as one JSON line.
import type { AuditContext } from "@/lib/audit/audited";
import { recordDenied } from "@/lib/audit/denied";
import type { EngineChecker } from "@/lib/config/check";
import { publishConfig } from "@/lib/config/service";
import { db, disconnectDb } from "@/lib/db";
import { recordNodeStatus, registerNode } from "@/lib/nodes/service";
import { changePolicy } from "@/lib/testing/config-fixtures";
import { certificateEntry } from "@/lib/testing/node-fixtures";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";

const ctx: AuditContext = { actor: { id: null, email: "system:e2e-node-health" } };
const noEngine: EngineChecker = async () => ({ checked: false, reason: "not checked in this e2e spec" });

async function publish() {
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
  const r = await publishConfig(ctx, { basedOn: latest?.number ?? null, checker: noEngine });
  if (r.status !== "published") throw new Error(`publish: ${r.status}`);
  return r.revision.number;
}

async function report(id: string, revision: number, certificates?: ReturnType<typeof certificateEntry>[]) {
  const node = await db.wafNode.findUniqueOrThrow({ where: { id } });
  await recordNodeStatus(node, { revision, ok: true, message: "nginx -t passed, nginx reloaded", certificates });
}

async function main() {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const vhost = await createVhost(ctx, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: `nh-${tag}.example.com`, backendUrl: "http://10.0.0.7:8080" }));
  const older = await publish();
  const current = await registerNode(ctx, { name: `nh-${tag}-current` });
  const stale = await registerNode(ctx, { name: `nh-${tag}-stale` });
  await report(stale.node.id, older, [certificateEntry(`fine-${tag}.example.com`, 300)]);

  await changePolicy(vhost.id, { inboundThreshold: 10 });
  const latest = await publish();
  const expiring = `expiring-${tag}.example.com`;
  const fine = `fine-${tag}.example.com`;
  await report(current.node.id, latest, [certificateEntry(fine, 200.5), certificateEntry(expiring, 5.5)]);
  // A refused attempt within 24 hours, so the dashboard's "Refused actions" note (a link inside text) is on the
  // page this spec checks with axe, whatever ran before.
  const editor = await db.user.findUniqueOrThrow({ where: { email: "editor@palisade.local" }, select: { id: true, email: true, name: true, role: true } });
  await recordDenied(editor, {}, { action: "registerNodeAction" }, "node.manage");
  console.log(JSON.stringify({ current: current.node.name, currentId: current.node.id, stale: stale.node.name, staleId: stale.node.id, older, latest, expiring, fine }));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => disconnectDb());
