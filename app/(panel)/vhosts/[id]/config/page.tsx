import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ConfigFiles } from "@/components/config-files";
import { requireUser } from "@/lib/auth/session";
import { vhostPublishedFiles } from "@/lib/config/queries";
import { getVhost } from "@/lib/vhosts/queries";

export const metadata: Metadata = { title: "Virtual host configuration" };

export default async function VhostConfigPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const { id } = await params;
  const v = await getVhost(id);
  if (!v) notFound();
  const { latest, files, unpublished } = await vhostPublishedFiles(v);
  const paths = Object.keys(files);
  const file = (await searchParams).file;
  const selected = typeof file === "string" ? file : (paths[0] ?? null);
  return (
    <>
      <p className="mb-4 text-sm text-slate-600" data-testid="vhost-config-status">
        {!latest ? (
          <>Nothing has been published yet: no WAF node serves this virtual host.</>
        ) : paths.length === 0 ? (
          <>
            {v.domain} is not in the latest revision ({latest.number}){v.enabled ? "" : " because it is disabled"}: no WAF node serves it.
          </>
        ) : (
          <>
            Its server block and rules as the WAF nodes serve them: revision{" "}
            <Link href={`/config/revisions/${latest.number}`} className="text-blue-700 underline">
              {latest.number}
            </Link>
            , the latest. Shared files (nginx.conf, the ModSecurity base) are in the revision.
          </>
        )}{" "}
        {unpublished && (
          <>
            It has unpublished changes:{" "}
            <Link href="/config/preview" className="text-blue-700 underline">
              preview what Publish would change
            </Link>
            .
          </>
        )}
      </p>
      {paths.length > 0 && <ConfigFiles files={files} selected={selected} base={`/vhosts/${v.id}/config`} />}
    </>
  );
}
