import type { Metadata } from "next";
import { PasswordChangeForm } from "@/components/password-change-form";
import { PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { ROLE_LABELS } from "@/lib/users/fields";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const me = await requireUser();
  return (
    <>
      <PageHeader title="Your account">
        {me.email} · {ROLE_LABELS[me.role].label}. Changing your password ends your sessions on every other device and browser.
      </PageHeader>
      <h2 className="mb-3 text-lg font-semibold">Change your password</h2>
      <PasswordChangeForm email={me.email} />
    </>
  );
}
