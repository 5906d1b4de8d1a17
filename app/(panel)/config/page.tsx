import type { Metadata } from "next";
import Link from "next/link";
import { PublishButton, RollbackButton } from "@/components/config-publish";
import { Badge, Button, PageHeader, Select } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { listRevisions } from "@/lib/config/queries";
import { publishStatus, type VhostPublishState } from "@/lib/config/status";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format/plural";
import { findEngine } from "@/lib/waf/engine";

export const metadata: Metadata = { title: "Configuration" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

const STATE: Record<VhostPublishState["state"], { label: string; tone: "amber" | "red" | "blue" | "slate" | "green" }> = {
  new: { label: "New, not published", tone: "blue" },
  changed: { label: "Unpublished changes", tone: "amber" },
  removed: { label: "Disabled, still published", tone: "amber" },
  invalid: { label: "Cannot be compiled", tone: "red" },
  published: { label: "Published", tone: "green" },
  disabled: { label: "Disabled", tone: "slate" },
};

export default async function ConfigPage() {
  const user = await requireUser();
  const canPublish = can(user.role, "config.publish");

  let settings;
  try {
    settings = compilerSettingsFromEnv();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return (
      <>
        <PageHeader title="Configuration" />
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          The compiler settings in the panel&apos;s environment cannot be used: {err.message}. Fix the environment and restart the panel.
        </p>
      </>
    );
  }
  const [status, revisions] = await Promise.all([publishStatus(settings), listRevisions()]);
  const engine = findEngine(settings);
  const latest = status.latest;
  const pending = status.vhosts.filter((v) => v.state !== "published" && v.state !== "disabled");
  const hasChanges = status.draft.ok ? !status.draft.upToDate : true;
  // One change per virtual host that differs from the latest revision (new, edited, disabled or deleted).
  const changeCount = pending.length + status.deletedDomains.length;

  const disabledReason = !canPublish
    ? "Only an admin can publish."
    : !status.draft.ok
      ? "The stored configuration cannot be compiled: fix the vhost named below first."
      : status.draft.upToDate
        ? `Nothing to publish: revision ${latest!.number} is the stored configuration.`
        : undefined;
  return (
    <>
      <PageHeader title="Configuration" actions={<PublishButton disabledReason={disabledReason} />}>
        Publishing compiles every enabled virtual host into one nginx + ModSecurity + CRS {settings.crsVersion} configuration, checks it, and stores it as an
        immutable revision the WAF nodes pull. {latest ? <>Latest: revision {latest.number}, {fmt(latest.createdAt)} by {latest.createdByEmail}.</> : "Nothing has been published yet."}
      </PageHeader>

      {!canPublish && hasChanges && (
        <p className="mb-6 rounded-lg border border-blue-200 bg-blue-50 p-4 text-sm text-blue-900" data-testid="unpublished-for-admin">
          {changeCount > 0 ? plural(changeCount, "unpublished change") : "Unpublished changes to shared settings"} — an admin publishes them.
        </p>
      )}

      {engine.available ? (
        <p className="mb-6 text-sm text-slate-600" data-testid="engine-status">
          Each publish is checked with <code>nginx -t</code> on this machine before it is stored.
        </p>
      ) : (
        <p role="status" className="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" data-testid="engine-status">
          <strong>No WAF engine on the panel&apos;s machine:</strong> publishing is validated by the compiler only and revisions are marked &ldquo;not engine-checked&rdquo;. {engine.message}
        </p>
      )}

      <section className="mb-8" aria-labelledby="pending-title">
        <h2 id="pending-title" className="mb-2 text-lg font-semibold">
          Unpublished changes
        </h2>
        {!status.draft.ok && (
          <p role="alert" className="mb-3 rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
            The stored configuration cannot be compiled, so it cannot be published:{" "}
            {status.draft.vhostId ? (
              <Link href={`/vhosts/${status.draft.vhostId}`} className="font-medium underline">
                {status.draft.vhost}
              </Link>
            ) : (
              (status.draft.vhost ?? "settings")
            )}
            , field <span className="font-mono">{status.draft.field}</span>. {status.draft.error}
          </p>
        )}
        {pending.length === 0 && status.deletedDomains.length === 0 ? (
          <p className="text-sm text-slate-600">{hasChanges && status.draft.ok ? "Only shared settings changed since the latest revision." : "Every virtual host is published as stored."}</p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
            {pending.map((v) => (
              <li key={v.id} className="flex flex-wrap items-center gap-3 px-4 py-2" data-testid="pending-vhost">
                <Link href={`/vhosts/${v.id}`} className="font-medium text-blue-700 hover:underline">
                  {v.domain}
                </Link>
                <Badge tone={STATE[v.state].tone}>{STATE[v.state].label}</Badge>
                {v.error && <span className="text-xs text-red-800">{v.error}</span>}
              </li>
            ))}
            {status.deletedDomains.map((d) => (
              <li key={d} className="flex items-center gap-3 px-4 py-2" data-testid="pending-vhost">
                <span className="font-medium">{d}</span>
                <Badge tone="amber">Deleted, still published</Badge>
              </li>
            ))}
          </ul>
        )}
        {hasChanges && status.draft.ok && (
          <p className="mt-2 text-sm">
            <Link href="/config/preview" className="text-blue-700 hover:underline">
              Preview what Publish would store{latest ? `, file by file against revision ${latest.number}` : ""} →
            </Link>
          </p>
        )}
      </section>

      <section aria-labelledby="revisions-title">
        <div className="mb-2 flex flex-wrap items-end justify-between gap-4">
          <h2 id="revisions-title" className="text-lg font-semibold">
            Revisions
          </h2>
          {revisions.total > 1 && (
            <form action="/config/diff" className="flex items-end gap-2 text-sm" aria-label="Compare two revisions">
              <label className="space-y-1">
                <span className="block text-xs text-slate-600">From</span>
                <Select name="from" defaultValue={String(revisions.rows[1]?.number ?? "")} className="w-28">
                  {revisions.rows.map((r) => (
                    <option key={r.number} value={r.number}>
                      {r.number}
                    </option>
                  ))}
                </Select>
              </label>
              <label className="space-y-1">
                <span className="block text-xs text-slate-600">To</span>
                <Select name="to" defaultValue={String(revisions.rows[0]?.number ?? "")} className="w-28">
                  <option value="draft">unpublished</option>
                  {revisions.rows.map((r) => (
                    <option key={r.number} value={r.number}>
                      {r.number}
                    </option>
                  ))}
                </Select>
              </label>
              <Button type="submit" variant="secondary">
                Compare
              </Button>
            </form>
          )}
        </div>
        {revisions.rows.length === 0 ? (
          <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600">
            No revisions yet. {canPublish ? "Publish to make the first one." : "An admin publishes the first one."}
          </div>
        ) : (
          <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Revisions (scrolls sideways on narrow screens)">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
                <tr>
                  <th className="px-4 py-2">#</th>
                  <th className="px-4 py-2">Published</th>
                  <th className="px-4 py-2">What changed</th>
                  <th className="px-4 py-2">Check</th>
                  <th className="px-4 py-2 text-right">Actions</th>
                </tr>
              </thead>
              <tbody>
                {revisions.rows.map((r) => (
                  <tr key={r.id} className="border-b border-slate-100 align-top last:border-0" data-testid="revision-row">
                    <td className="px-4 py-2 font-medium">
                      {r.number}
                      {r.number === latest?.number && (
                        <span className="ml-2">
                          <Badge tone="blue">latest</Badge>
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-2 text-xs">
                      {fmt(r.createdAt)}
                      <br />
                      <span className="text-slate-600">{r.createdByEmail}</span>
                    </td>
                    <td className="px-4 py-2">
                      {r.summary}
                      <div className="mt-1 font-mono text-xs text-slate-500" title="Content hash">
                        {r.contentHash.slice(0, 12)}
                      </div>
                    </td>
                    <td className="px-4 py-2">
                      {r.engineChecked ? (
                        <Badge tone="green" title="nginx -t passed on the panel's machine">nginx -t passed</Badge>
                      ) : (
                        <Badge tone="amber" title="No engine was installed on the panel's machine: validated by the compiler only">
                          not engine-checked
                        </Badge>
                      )}
                    </td>
                    <td className="px-4 py-2">
                      <div className="flex flex-wrap justify-end gap-2">
                        <Link href={`/config/revisions/${r.number}`} className="rounded-md px-3 py-1.5 text-sm text-blue-700 hover:underline" aria-label={`Files of revision ${r.number}`}>
                          Files
                        </Link>
                        {r.number > 1 && (
                          <Link href={`/config/diff?from=${r.number - 1}&to=${r.number}`} className="rounded-md px-3 py-1.5 text-sm text-blue-700 hover:underline" aria-label={`Diff of revision ${r.number} against ${r.number - 1}`}>
                            Diff
                          </Link>
                        )}
                        {canPublish && latest && r.number !== latest.number && <RollbackButton revision={r.number} latest={latest.number} />}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {revisions.pageCount > 1 && <p className="mt-2 text-xs text-slate-600">Showing the newest {revisions.rows.length} of {revisions.total} revisions.</p>}
      </section>
    </>
  );
}
