import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { UserCreateForm } from "@/components/user-form";
import { canOpenPage } from "@/lib/auth/page-access";
import { requireUser } from "@/lib/auth/session";
import { UsersRefused } from "@/components/user-refused";

export const metadata: Metadata = { title: "New user" };

export default async function NewUserPage() {
  const me = await requireUser();
  if (!(await canOpenPage(me, "user.manage", "/users/new"))) return <UsersRefused role={me.role} />;
  return (
    <>
      <PageHeader title="New user">They sign in with this email and password; tell them the password through a separate channel.</PageHeader>
      <UserCreateForm />
    </>
  );
}
