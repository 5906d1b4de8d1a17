import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { TwoFactorSection } from "@/components/two-factor-section";
import { requireUser } from "@/lib/auth/session";
import { mustEnrolTwoFactor, twoFactorStatus } from "@/lib/two-factor/service";

export const metadata: Metadata = { title: "Set up two-factor sign-in" };
export const dynamic = "force-dynamic";

// Outside the panel's layout: an admin whom the panel requires to enrol is sent here before anything else
// (app/(panel)/layout.tsx), and the layout would send them straight back.
export default async function TwoFactorSetupPage() {
  const me = await requireUser();
  if ((await twoFactorStatus(me.id)).enabled) redirect("/account");
  const required = await mustEnrolTwoFactor(me);
  return (
    <main id="content" className="mx-auto max-w-2xl p-4 py-8">
      <h1 className="mb-1 text-2xl font-semibold">Set up two-factor sign-in</h1>
      <p className="mb-6 text-sm text-slate-600">
        {required
          ? `The panel requires two-factor sign-in for admins. Set it up for ${me.email} to go on.`
          : `Add a code from your phone to ${me.email}'s sign-in.`}
      </p>
      <TwoFactorSection user={me} afterEnrol="/" />
      <p className="mt-8 text-sm">
        <a href="/api/auth/signout" className="text-blue-700 hover:underline">
          Sign out instead
        </a>
      </p>
    </main>
  );
}
