import type { Metadata } from "next";
import Link from "next/link";
import { TemplateDeleteButton } from "@/components/template-delete-button";
import { Badge, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { describeExclusion } from "@/lib/rules/exclusions";
import { builtInTemplatesOutdated, listTemplates } from "@/lib/templates/queries";

export const metadata: Metadata = { title: "Templates" };

const LINK = "text-sm text-blue-700 hover:underline";

export default async function TemplatesPage() {
  const user = await requireUser();
  const [templates, outdated] = await Promise.all([listTemplates(), builtInTemplatesOutdated()]);
  const canManage = can(user.role, "template.manage");
  const canCreateVhost = can(user.role, "vhost.write");
  const custom = templates.filter((t) => !t.builtIn);

  return (
    <>
      <PageHeader
        title="Templates"
        actions={
          canManage && (
            <Link href="/templates/new" className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800">
              New template
            </Link>
          )
        }
      >
        Starting policies for new virtual hosts: engine mode, paranoia levels, thresholds and rule exclusions.
        {canManage ? " The built-in ones come with Palisade and cannot be changed; copy one to make your own." : " Admins manage them."}
      </PageHeader>
      {outdated && (
        <p role="status" className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
          The built-in templates of this version of Palisade are not all in the database yet. They are written by{" "}
          <code className="rounded bg-amber-100 px-1">npm run db:migrate</code> (which <code className="rounded bg-amber-100 px-1">db:setup</code> and{" "}
          <code className="rounded bg-amber-100 px-1">db:bootstrap</code> run), never by opening a page.
        </p>
      )}
      <ul className="space-y-4">
        {templates.map((t) => (
          <li key={t.id} className="rounded-lg border border-slate-200 bg-white p-4" data-testid="template">
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="text-lg font-semibold">
                <Link href={`/templates/${t.id}`} className="hover:underline">{t.name}</Link>
              </h2>
              {t.builtIn ? <Badge tone="blue">built-in</Badge> : <Badge>custom</Badge>}
              <span className="text-sm text-slate-600">{t.summary}</span>
            </div>
            {t.description && <p className="mt-2 text-sm text-slate-700">{t.description}</p>}
            {t.policy && t.policy.exclusions.length > 0 && (
              <ul className="mt-2 list-inside list-disc text-xs text-slate-600">
                {t.policy.exclusions.map((e, i) => (
                  <li key={i}>{describeExclusion(e)}</li>
                ))}
              </ul>
            )}
            <div className="mt-3 flex flex-wrap items-center gap-4">
              {canCreateVhost && t.policy && (
                <Link href={`/vhosts/new?template=${t.id}`} className={LINK}>
                  New virtual host from this template
                </Link>
              )}
              {canManage && !t.builtIn && (
                <Link href={`/templates/${t.id}`} className={LINK} aria-label={`Edit the template ${t.name}`}>
                  Edit
                </Link>
              )}
              {canManage && t.policy && (
                <Link href={`/templates/new?from=${t.id}`} className={LINK} aria-label={`Copy to a new template: ${t.name}`}>
                  Copy to a new template
                </Link>
              )}
              {canManage && !t.builtIn && <TemplateDeleteButton id={t.id} version={t.version} name={t.name} />}
            </div>
          </li>
        ))}
      </ul>
      {custom.length === 0 && (
        <p className="mt-6 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
          No custom templates yet.{" "}
          {canManage ? (
            <>
              <Link href="/templates/new" className="text-blue-700 hover:underline">Create one</Link> for a kind of site you run often, or copy a built-in one and adjust it.
            </>
          ) : (
            "An admin can create them for the kinds of sites you run often."
          )}
        </p>
      )}
    </>
  );
}
