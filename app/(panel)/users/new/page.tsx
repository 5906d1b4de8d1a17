import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { UserCreateForm } from "@/components/user-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { UsersRefused } from "@/components/user-refused";

export const metadata: Metadata = { title: "New user" };

export default async function NewUserPage() {
  const me = await requireUser();
  if (!can(me.role, "user.manage")) return <UsersRefused role={me.role} />;
  return (
    <>
      <PageHeader title="New user">They sign in with this email and password; tell them the password through a separate channel.</PageHeader>
      <UserCreateForm />
    </>
  );
}
