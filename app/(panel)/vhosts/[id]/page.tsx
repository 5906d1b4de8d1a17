import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { VhostForm } from "@/components/vhost-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { Badge } from "@/components/ui";
import { domainLabel } from "@/lib/vhosts/display";
import { getVhost, internalBackendOf } from "@/lib/vhosts/queries";

export const metadata: Metadata = { title: "Virtual host" };

export default async function VhostSettingsPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const v = await getVhost(id);
  if (!v) notFound();
  const aliases = (v.aliases as string[]) ?? [];
  const internal = internalBackendOf(v.backendUrl);

  return (
    <>
      <p className="mb-4 text-sm text-slate-600">
        Version {v.version}
        {v.updatedByEmail ? `, last saved by ${v.updatedByEmail}` : ""}.
      </p>
      {internal && (
        <p className="mb-4 flex items-center gap-2 text-sm text-amber-900" data-testid="internal-backend">
          <Badge tone="amber">Backend is internal</Badge>
          {internal.message.replace(/ Tick .*$/, "")}
        </p>
      )}
      {can(user.role, "vhost.write") ? (
        <VhostForm
          id={v.id}
          version={v.version}
          initial={{
            domain: v.domain,
            aliases: aliases.join("\n"),
            backendUrl: v.backendUrl,
            tlsMode: v.tlsMode,
            certificateRef: v.certificateRef ?? "",
            hsts: v.hsts,
            minTlsVersion: v.minTlsVersion,
            enabled: v.enabled,
            confirmInternalBackend: false,
          }}
        />
      ) : (
        <dl className="grid max-w-2xl grid-cols-[7rem_minmax(0,1fr)] gap-x-2 gap-y-2 [overflow-wrap:anywhere] sm:grid-cols-[12rem_minmax(0,1fr)] rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="vhost-readonly">
          <dt className="text-slate-600">Domain</dt>
          <dd>{domainLabel(v.domain)}</dd>
          <dt className="text-slate-600">Aliases</dt>
          <dd>{aliases.length ? aliases.map(domainLabel).join(", ") : "—"}</dd>
          <dt className="text-slate-600">Backend URL</dt>
          <dd className="font-mono">{v.backendUrl}</dd>
          <dt className="text-slate-600">TLS</dt>
          <dd>
            {v.tlsMode}
            {v.certificateRef ? ` · certificate ${v.certificateRef}` : ""}
            {v.tlsMode !== "NONE" ? ` · minimum ${v.minTlsVersion.replace("TLS1_", "TLS 1.")}` : ""}
            {v.hsts ? " · HSTS" : ""}
          </dd>
        </dl>
      )}
    </>
  );
}
