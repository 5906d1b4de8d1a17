import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { VhostForm } from "@/components/vhost-form";
import { requirePageAccess } from "@/lib/auth/page-access";
import { listTemplates } from "@/lib/templates/queries";
import { EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";

export const metadata: Metadata = { title: "New virtual host" };

export default async function NewVhostPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAccess("/vhosts/new");
  const templates = (await listTemplates()).filter((t) => t.policy).map((t) => ({ id: t.id, name: t.name, summary: t.summary }));
  // ?template=<id> (the templates page links here) preselects a template.
  const wanted = (await searchParams).template;
  const templateId = templates.find((t) => t.id === wanted)?.id ?? "";
  return (
    <>
      <PageHeader title="New virtual host">
        It starts with CRS defaults (blocking at paranoia 1, anomaly thresholds 5 / 4), or with the policy of a template you choose.
      </PageHeader>
      <VhostForm initial={{ ...EMPTY_VHOST_FORM, templateId }} templates={templates} />
    </>
  );
}
