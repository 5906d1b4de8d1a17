import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ConfigFiles } from "@/components/config-files";
import { Badge, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { ReplayReportView } from "@/components/replay-report";
import { DiffSideSchema, getRevisionFiles } from "@/lib/config/queries";
import { replayOfRevision } from "@/lib/replay/service";

export const metadata: Metadata = { title: "Revision files" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export default async function RevisionFilesPage({
  params,
  searchParams,
}: {
  params: Promise<{ number: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser();
  const parsed = DiffSideSchema.safeParse((await params).number);
  if (!parsed.success || parsed.data === "draft") notFound();
  const revision = await getRevisionFiles(parsed.data);
  if (!revision) notFound();
  const replay = await replayOfRevision(revision.number);
  const file = (await searchParams).file;
  // Without a choice, the file everything else hangs from.
  const selected = typeof file === "string" ? file : "nginx.conf" in revision.files ? "nginx.conf" : null;
  const base = `/config/revisions/${revision.number}`;
  return (
    <>
      <PageHeader
        title={`Revision ${revision.number}`}
        actions={
          <>
            {revision.number > 1 && (
              <Link href={`/config/diff?from=${revision.number - 1}&to=${revision.number}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">
                Diff against {revision.number - 1}
              </Link>
            )}
            <Link href="/config" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">
              Back to the revisions
            </Link>
          </>
        }
      >
        <span className="flex flex-wrap items-center gap-2">
          <span>
            Published {fmt(revision.createdAt)} by {revision.createdByEmail}: {revision.summary}.
          </span>
          {revision.engineChecked ? <Badge tone="green">nginx -t passed</Badge> : <Badge tone="amber">not engine-checked</Badge>}
          <span className="font-mono text-xs text-slate-600" title="Content hash">
            {revision.contentHash.slice(0, 12)}
          </span>
        </span>
      </PageHeader>
      <section aria-labelledby="revision-replay-title" className="mb-8" data-testid="revision-replay">
        <h2 id="revision-replay-title" className="mb-2 text-lg font-semibold">
          Traffic replay before publishing
        </h2>
        {replay?.report ? (
          <>
            <p className="mb-3 text-sm text-slate-700">
              Replayed by {replay.createdByEmail} against {replay.baseRevision === null ? "no earlier revision" : `revision ${replay.baseRevision}`}, {replay.total}{" "}
              {replay.total === 1 ? "request" : "requests"}.
            </p>
            <ReplayReportView report={replay.report} baseRevision={replay.baseRevision} />
          </>
        ) : (
          <p className="text-sm text-slate-600">No traffic replay was run for what this revision published.</p>
        )}
      </section>
      <ConfigFiles files={revision.files} selected={selected} base={base} empty="This revision has no files." />
    </>
  );
}
