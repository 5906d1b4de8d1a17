import type { Metadata } from "next";
import Link from "next/link";
import { BundleDiff } from "@/components/config-diff";
import { PublishFromPreview } from "@/components/config-publish";
import { ReplayPanel, type ReplayRunJson } from "@/components/replay-panel";
import { Badge, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { publishPreview } from "@/lib/config/queries";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { latestReplayFor } from "@/lib/replay/service";
import { findEngine } from "@/lib/waf/engine";

export const metadata: Metadata = { title: "Preview the publish" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

const KIND = {
  added: { label: "New", tone: "blue" },
  changed: { label: "Changed", tone: "amber" },
  removed: { label: "Removed", tone: "red" },
} as const;

export default async function PublishPreviewPage() {
  const user = await requireUser();
  const preview = await publishPreview();
  const back = (
    <Link href="/config" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">
      Back to the configuration
    </Link>
  );
  if (!preview.ok) {
    return (
      <>
        <PageHeader title="Preview the publish" actions={back} />
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          The stored configuration cannot be compiled, so there is nothing to publish:{" "}
          {preview.vhostId ? (
            <Link href={`/vhosts/${preview.vhostId}`} className="font-medium underline">
              {preview.vhost}
            </Link>
          ) : (
            (preview.vhost ?? "settings")
          )}
          {preview.field && (
            <>
              , field <span className="font-mono">{preview.field}</span>
            </>
          )}
          . {preview.error}
        </p>
      </>
    );
  }
  const { latest, changes } = preview;
  const disabledReason = !can(user.role, "config.publish")
    ? "Only an admin can publish."
    : preview.upToDate
      ? `Nothing to publish: revision ${latest!.number} is the stored configuration.`
      : undefined;
  const engine = findEngine(compilerSettingsFromEnv());
  const replay = preview.upToDate ? null : await latestReplayFor(preview.fingerprint, latest?.number ?? null);
  const replayJson: ReplayRunJson | null = replay && {
    id: replay.id,
    status: replay.status,
    baseRevision: replay.baseRevision,
    total: replay.total,
    done: replay.done,
    report: replay.report,
    error: replay.error,
    createdByEmail: replay.createdByEmail,
  };
  const vhosts = (["added", "changed", "removed"] as const).flatMap((kind) => changes[kind].map((domain) => ({ domain, kind })));
  return (
    <>
      <PageHeader title="Preview the publish" actions={back}>
        {latest ? (
          <>
            What Publish would store as revision {latest.number + 1}, against revision {latest.number} ({fmt(latest.createdAt)} by {latest.createdByEmail}).
          </>
        ) : (
          <>The first publish: every file is new.</>
        )}{" "}
        Publishing stores exactly this; if the configuration changes before you publish, you get the new preview instead.
      </PageHeader>

      <div className="mb-6" data-testid="preview-publish">
        <PublishFromPreview latest={latest?.number ?? null} previewed={preview.fingerprint} disabledReason={disabledReason} />
      </div>

      {!preview.upToDate && (
        <div className="mb-8">
          <ReplayPanel
            initial={replayJson}
            canRun={can(user.role, "replay.run")}
            engineMessage={engine.available ? null : engine.message}
            candidateHash={preview.fingerprint}
            basedOn={latest?.number ?? null}
          />
        </div>
      )}

      <section className="mb-8" aria-labelledby="preview-vhosts-title">
        <h2 id="preview-vhosts-title" className="mb-2 text-lg font-semibold">
          Virtual hosts that change
        </h2>
        {vhosts.length === 0 ? (
          <p className="text-sm text-slate-600">
            {preview.upToDate ? "None: nothing changed since the latest revision." : latest ? "None: only shared files change." : "None: there is no enabled virtual host."}
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
            {vhosts.map(({ domain, kind }) => (
              <li key={domain} className="flex flex-wrap items-center gap-3 px-4 py-2" data-testid="preview-vhost">
                {preview.vhostIds[domain] ? (
                  <Link href={`/vhosts/${preview.vhostIds[domain]}`} className="font-medium text-blue-700 hover:underline">
                    {domain}
                  </Link>
                ) : (
                  <span className="font-medium">{domain}</span>
                )}
                <Badge tone={KIND[kind].tone}>{KIND[kind].label}</Badge>
              </li>
            ))}
          </ul>
        )}
        {changes.shared.length > 0 && (
          <p className="mt-2 text-sm text-slate-600">
            Shared files change too: <span className="font-mono">{changes.shared.join(", ")}</span>.
          </p>
        )}
      </section>

      <section aria-labelledby="preview-files-title">
        <h2 id="preview-files-title" className="mb-2 text-lg font-semibold">
          Files
        </h2>
        <BundleDiff files={preview.files} />
      </section>
    </>
  );
}
