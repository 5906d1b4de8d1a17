import Link from "next/link";
import { notFound } from "next/navigation";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { Badge, PageHeader } from "@/components/ui";
import { VhostDeleteButton, VhostEnableToggle } from "@/components/vhost-controls";
import { VhostTabs } from "@/components/vhost-tabs";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getVhostPolicy } from "@/lib/policies/queries";
import { domainForms, domainLabel } from "@/lib/vhosts/display";

export default async function VhostLayout({ children, params }: { children: React.ReactNode; params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostPolicy(id);
  if (!data) notFound();
  const { vhost, policy, summary } = data;
  const canWrite = can(user.role, "vhost.write");
  return (
    <>
      <PageHeader
        title={domainLabel(vhost.domain)}
        actions={
          canWrite && (
            <>
              <VhostEnableToggle id={vhost.id} version={vhost.version} enabled={vhost.enabled} domain={domainLabel(vhost.domain)} />
              <VhostDeleteButton id={vhost.id} version={vhost.version} domain={vhost.domain} unicode={domainForms(vhost.domain).unicode} />
            </>
          )
        }
      >
        <span className="flex flex-wrap items-center gap-2">
          {vhost.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
          <EngineModeBadge mode={policy.engineMode} paranoia={policy.blockingParanoia} />
          <span data-testid="policy-summary">{summary}.</span>
          <Link href={`/audit?vhost=${vhost.id}`} className="text-blue-700 hover:underline">
            History
          </Link>
        </span>
      </PageHeader>
      <VhostTabs id={vhost.id} />
      {children}
    </>
  );
}
