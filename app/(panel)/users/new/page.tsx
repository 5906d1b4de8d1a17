import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { UserCreateForm } from "@/components/user-form";
import { requirePageAccess } from "@/lib/auth/page-access";

export const metadata: Metadata = { title: "New user" };

export default async function NewUserPage() {
  await requirePageAccess("/users/new");
  return (
    <>
      <PageHeader title="New user">They sign in with this email and password; tell them the password through a separate channel.</PageHeader>
      <UserCreateForm />
    </>
  );
}
