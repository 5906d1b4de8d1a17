import type { Metadata } from "next";
import Link from "next/link";
import { BundleDiff } from "@/components/config-diff";
import { PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { compareRevisions, DiffParamsSchema } from "@/lib/config/queries";

export const metadata: Metadata = { title: "Compare revisions" };

export default async function ConfigDiffPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const parsed = DiffParamsSchema.safeParse(await searchParams);
  if (!parsed.success) {
    return (
      <>
        <PageHeader title="Compare revisions" />
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          Choose two revisions to compare: <code>?from=&lt;number&gt;&amp;to=&lt;number or draft&gt;</code>.{" "}
          <Link href="/config" className="underline">
            Back to the revisions
          </Link>
          .
        </p>
      </>
    );
  }
  const { from, to } = parsed.data;
  const comparison = await compareRevisions(from, to);
  const errors = [comparison.from, comparison.to].flatMap((s) => ("error" in s ? [s.error] : []));
  return (
    <>
      <PageHeader title="Compare revisions" actions={<Link href="/config" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">Back to the revisions</Link>}>
        <span className="font-medium">{comparison.from.label}</span> → <span className="font-medium">{comparison.to.label}</span>
      </PageHeader>
      {errors.length > 0 || !comparison.files ? (
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          {errors.join(" ")}
        </p>
      ) : (
        <BundleDiff files={comparison.files} />
      )}
    </>
  );
}
