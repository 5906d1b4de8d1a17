import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { IpListEditor } from "@/components/ip-list-editor";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getVhostPolicy } from "@/lib/policies/queries";

export const metadata: Metadata = { title: "IP lists" };

export default async function IpListsPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostPolicy(id);
  if (!data) notFound();
  return (
    <IpListEditor
      vhostId={id}
      canWrite={can(user.role, "policy.write")}
      entries={data.ipEntries.map(({ id, kind, cidr, note }) => ({ id, kind, cidr, note }))}
    />
  );
}
