import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { AuditTabs } from "@/components/audit-tabs";
import { PageHeader } from "@/components/ui";
import { describeChainReport, verifyChain } from "@/lib/audit/verify";
import { requirePageAccess } from "@/lib/auth/page-access";

export const metadata: Metadata = { title: "Verify the audit chain" };

const link = "text-blue-700 hover:underline";

/** Walks the whole chain; streamed in after the page shell, so a long walk shows progress instead of a blank page. */
async function ChainVerdict() {
  const started = Date.now();
  const r = await verifyChain();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return (
    <div
      role="status"
      data-testid="chain-verdict"
      className={r.ok ? "rounded-lg border border-green-300 bg-green-50 p-4 text-green-900" : "rounded-lg border border-red-300 bg-red-50 p-4 text-red-900"}
    >
      <p className="text-lg font-semibold">{describeChainReport(r)}</p>
      <p className="mt-1 text-sm">
        {r.checked} event{r.checked === 1 ? "" : "s"} checked in {seconds} s
        {r.anchor && (
          <>
            , starting from the archive anchor after #{r.anchor.throughSeq} ({r.anchor.fileName}, by {r.anchor.createdByEmail})
          </>
        )}
        .
      </p>
      {!r.ok && r.broken && (
        <p className="mt-2 text-sm">
          <Link href={`/audit?before=${r.broken.seq + 1}`} className={link}>See the events around #{r.broken.seq}</Link>. Everything up to #{r.intactThrough} is
          as it was written; from #{r.broken.seq} on, the log can no longer be vouched for. Keep a copy of the database as it is now and investigate.
        </p>
      )}
    </div>
  );
}

export default async function AuditVerifyPage() {
  await requirePageAccess("/audit/verify");
  return (
    <>
      <PageHeader title="Audit log">
        Each event carries a hash of its content and of the event before it. Verification recomputes every hash in order: an event edited or deleted behind
        the panel&apos;s back breaks the chain exactly there.
      </PageHeader>
      <AuditTabs active="verify" showVerify />
      <Suspense
        fallback={
          <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 text-slate-700">
            Verifying the chain…
          </div>
        }
      >
        <ChainVerdict />
      </Suspense>
      <p className="mt-4 text-sm text-slate-600">
        The same check runs from the command line: <code className="rounded bg-slate-100 px-1">npm run audit:verify</code>.
      </p>
    </>
  );
}
