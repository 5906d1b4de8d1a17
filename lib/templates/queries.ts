import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { BUILT_IN_TEMPLATES } from "./builtin";
import { describeTemplatePolicy, TemplatePolicySchema } from "./schema";
import { builtInsNeedWrite } from "./service";

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
 * Every template, built-ins first (in their fixed order), then custom ones by name. Only reads: the
 * built-ins are written by `npm run db:migrate` (lib/setup/cli.ts), never while a page renders.
 */
export async function listTemplates() {
  const rows = await db.policyTemplate.findMany({ orderBy: { name: "asc" } });
  const order = (r: Row) => (r.builtIn ? BUILT_IN_TEMPLATES.findIndex((t) => t.name === r.name) : BUILT_IN_TEMPLATES.length);
  return rows
    .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
    .map(withPolicy);
}

/** True when a built-in template is missing or older than this version's: `npm run db:migrate` brings them in. */
export async function builtInTemplatesOutdated(): Promise<boolean> {
  return builtInsNeedWrite(await db.policyTemplate.findMany({ where: { builtIn: true }, select: { name: true, description: true, policy: true, builtIn: true } }));
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
