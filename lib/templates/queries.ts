import { z } from "zod";
import { db } from "@/lib/db";
import { BUILT_IN_TEMPLATES } from "./builtin";
import { describeTemplatePolicy, TemplatePolicySchema } from "./schema";
import { builtInsNeedWrite, ensureBuiltInTemplates } from "./service";

const SYSTEM = { actor: { id: null, email: "system:templates" } };

type Row = { id: string; name: string; description: string; policy: unknown; builtIn: boolean; version: number; updatedAt: Date };

function withPolicy(t: Row) {
  const parsed = TemplatePolicySchema.safeParse(t.policy);
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    builtIn: t.builtIn,
    version: t.version,
    updatedAt: t.updatedAt,
    policy: parsed.success ? parsed.data : null,
    summary: parsed.success ? describeTemplatePolicy(parsed.data) : "This template's policy is not valid any more: edit or delete it.",
  };
}

/**
 * Every template, built-ins first (in their fixed order), then custom ones by name. The built-ins are
 * written (or brought up to date) on first use when the seed has not run, e.g. in production, through the same audited upsert as the seed.
 */
export async function listTemplates() {
  let rows = await db.policyTemplate.findMany({ orderBy: { name: "asc" } });
  if (builtInsNeedWrite(rows)) {
    await ensureBuiltInTemplates(SYSTEM);
    rows = await db.policyTemplate.findMany({ orderBy: { name: "asc" } });
  }
  const order = (r: Row) => (r.builtIn ? BUILT_IN_TEMPLATES.findIndex((t) => t.name === r.name) : BUILT_IN_TEMPLATES.length);
  return rows
    .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
    .map(withPolicy);
}

export type TemplateListRow = Awaited<ReturnType<typeof listTemplates>>[number];

export async function getTemplate(id: string) {
  if (!z.uuid().safeParse(id).success) return null;
  const t = await db.policyTemplate.findUnique({ where: { id } });
  return t ? withPolicy(t) : null;
}

/** The choices of the "copy policy from" select: every other vhost with its mode, by domain. */
export function listOtherVhostsForCopy(vhostId: string) {
  return db.virtualHost.findMany({
    where: { id: { not: vhostId } },
    orderBy: { domain: "asc" },
    take: 500,
    select: { id: true, domain: true, policy: { select: { engineMode: true, blockingParanoia: true } }, _count: { select: { exclusions: true } } },
  });
}
