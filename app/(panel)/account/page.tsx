import type { Metadata } from "next";
import { PasswordChangeForm } from "@/components/password-change-form";
import { SessionsSection } from "@/components/sessions-section";
import { TwoFactorSection } from "@/components/two-factor-section";
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
      <section aria-labelledby="two-factor-heading" className="mt-10">
        <h2 id="two-factor-heading" className="mb-3 text-lg font-semibold">
          Two-factor sign-in
        </h2>
        <TwoFactorSection user={me} />
      </section>
      <section aria-labelledby="sessions-heading" className="mt-10">
        <h2 id="sessions-heading" className="mb-3 text-lg font-semibold">
          Active sessions
        </h2>
        <p className="mb-3 text-sm text-slate-600">Where you are signed in. End any session you do not recognise; “Sign out everywhere” in the menu ends them all.</p>
        <SessionsSection user={me} />
      </section>
    </>
  );
}
