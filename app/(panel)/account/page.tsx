import type { Metadata } from "next";
import Link from "next/link";
import { ApiTokenCreate, ApiTokenList, type TokenRow } from "@/components/api-tokens";
import { PasswordChangeForm } from "@/components/password-change-form";
import { SessionsSection } from "@/components/sessions-section";
import { TwoFactorSection } from "@/components/two-factor-section";
import { PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { listAllTokens, listOwnTokens } from "@/lib/tokens/queries";
import { ROLE_LABELS } from "@/lib/users/fields";

export const metadata: Metadata = { title: "Your account" };

const iso = (d: Date | null) => d?.toISOString() ?? null;
function tokenRows<T extends { id: string; name: string; scope: string; prefix: string; expiresAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; createdAt: Date; ownerEmail?: string }>(rows: T[]): TokenRow[] {
  return rows.map((t) => ({ id: t.id, name: t.name, scope: t.scope, prefix: t.prefix, expiresAt: t.expiresAt.toISOString(), lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt), createdAt: t.createdAt.toISOString(), ownerEmail: t.ownerEmail }));
}

export default async function AccountPage() {
  const me = await requireUser();
  const admin = can(me.role, "user.manage");
  const [own, all] = await Promise.all([listOwnTokens(me.id), admin ? listAllTokens() : Promise.resolve(null)]);
  const now = Date.now();
  return (
    <>
      <PageHeader title="Your account">
        {me.email} · {ROLE_LABELS[me.role].label}. Changing your password ends your sessions on every other device and browser.
      </PageHeader>
      <h2 className="mb-3 text-lg font-semibold">Change your password</h2>
      <PasswordChangeForm email={me.email} />

      <h2 className="mt-10 mb-2 text-lg font-semibold" id="api-tokens">
        API tokens
      </h2>
      <p className="mb-4 max-w-3xl text-sm text-slate-700">
        Scripts use the <Link className="text-blue-700 underline" href="/api-docs">REST API</Link> with a personal token: it acts as you, within your role, and a read-only
        token only reads. Changes made with a token are audited as you, naming the token.
      </p>
      <ApiTokenCreate />
      <h3 className="mt-6 mb-2 font-semibold">Your tokens</h3>
      <ApiTokenList tokens={tokenRows(own)} now={now} />
      {all && (
        <>
          <h3 className="mt-6 mb-2 font-semibold">Everyone&apos;s tokens</h3>
          <ApiTokenList tokens={tokenRows(all)} admin now={now} />
        </>
      )}
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
