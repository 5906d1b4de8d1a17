import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PageHeader } from "@/components/ui";
import { VhostForm } from "@/components/vhost-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";

export const metadata: Metadata = { title: "New virtual host" };

export default async function NewVhostPage() {
  const user = await requireUser();
  if (!can(user.role, "vhost.write")) redirect("/vhosts");
  return (
    <>
      <PageHeader title="New virtual host">It starts with CRS defaults: blocking at paranoia 1, anomaly thresholds 5 / 4.</PageHeader>
      <VhostForm initial={EMPTY_VHOST_FORM} />
    </>
  );
}
