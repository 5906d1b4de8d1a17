import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { TemplateDeleteButton } from "@/components/template-delete-button";
import { TemplateForm } from "@/components/template-form";
import { Badge, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { describeExclusion } from "@/lib/rules/exclusions";
import { getTemplate } from "@/lib/templates/queries";
import { exclusionToRow } from "@/lib/templates/schema";

export const metadata: Metadata = { title: "Template" };

export default async function TemplatePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const t = await getTemplate(id);
  if (!t) notFound();
  const editable = can(user.role, "template.manage") && !t.builtIn;

  return (
    <>
      <PageHeader title={t.name} actions={editable && <TemplateDeleteButton id={t.id} version={t.version} name={t.name} />}>
        <span className="flex flex-wrap items-center gap-2">
          {t.builtIn ? <Badge tone="blue">built-in</Badge> : <Badge>custom</Badge>}
          <span>Version {t.version}.</span>
          <Link href={`/audit?entity=PolicyTemplate&entityId=${t.id}`} className="text-blue-700 hover:underline">History</Link>
          <Link href="/templates" className="text-blue-700 hover:underline">All templates</Link>
        </span>
      </PageHeader>
      {editable && t.policy ? (
        <TemplateForm
          id={t.id}
          version={t.version}
          initial={{ name: t.name, description: t.description, ...t.policy, exclusions: t.policy.exclusions.map(exclusionToRow) }}
        />
      ) : (
        <div className="max-w-3xl space-y-4" data-testid="template-readonly">
          {t.description && <p className="text-sm text-slate-700">{t.description}</p>}
          {t.policy ? (
            <dl className="grid grid-cols-[14rem_1fr] gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
              <dt className="text-slate-600">Engine mode</dt>
              <dd><EngineModeBadge mode={t.policy.engineMode} /></dd>
              <dt className="text-slate-600">Paranoia (blocking / detection)</dt>
              <dd>{t.policy.blockingParanoia} / {t.policy.detectionParanoia}</dd>
              <dt className="text-slate-600">Anomaly thresholds (in / out)</dt>
              <dd>{t.policy.inboundThreshold} / {t.policy.outboundThreshold}</dd>
              <dt className="text-slate-600">Rule exclusions</dt>
              <dd>
                {t.policy.exclusions.length === 0 ? "None" : (
                  <ul className="list-inside list-disc">
                    {t.policy.exclusions.map((e, i) => <li key={i}>{describeExclusion(e)}</li>)}
                  </ul>
                )}
              </dd>
            </dl>
          ) : (
            <p role="alert" className="text-sm text-red-700">{t.summary}</p>
          )}
          <div className="flex gap-4 text-sm">
            {can(user.role, "vhost.write") && t.policy && <Link href={`/vhosts/new?template=${t.id}`} className="text-blue-700 hover:underline">New virtual host from this template</Link>}
            {can(user.role, "template.manage") && t.policy && <Link href={`/templates/new?from=${t.id}`} className="text-blue-700 hover:underline">Copy to a new template</Link>}
          </div>
        </div>
      )}
    </>
  );
}
