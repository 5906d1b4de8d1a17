import type { Metadata } from "next";
import Link from "next/link";
import { Badge, PageHeader } from "@/components/ui";
import { TwoFactorAdmin } from "@/components/two-factor-admin";
import { UserRowControls } from "@/components/user-controls";
import { requirePageAccess } from "@/lib/auth/page-access";
import { listUsers } from "@/lib/users/queries";
import { ROLE_LABELS } from "@/lib/users/schema";
import { listTwoFactorUsers } from "@/lib/two-factor/queries";
import { securitySettings } from "@/lib/two-factor/service";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requirePageAccess("/users");
  const [users, twoFactorUsers, security] = await Promise.all([listUsers(), listTwoFactorUsers(), securitySettings()]);
  const activeAdmins = users.filter((u) => u.role === "ADMIN" && !u.disabled).length;

  return (
    <>
      <PageHeader
        title="Users"
        actions={
          <Link href="/users/new" className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800">
            New user
          </Link>
        }
      >
        Who can sign in, and with which role. Changing a role, disabling an account or resetting a password signs that person out everywhere.
      </PageHeader>
      {users.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600">
          No users yet. <Link href="/users/new" className="text-blue-700 hover:underline">Create the first one</Link>.
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="hidden px-4 py-2 md:table-cell">Name</th>
                <th className="px-4 py-2">Email</th>
                <th className="px-4 py-2">Role</th>
                <th className="hidden px-4 py-2 sm:table-cell">Status</th>
                <th className="px-4 py-2 text-right">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const isSelf = u.id === me.id;
                const isLastAdmin = u.role === "ADMIN" && !u.disabled && activeAdmins === 1;
                return (
                  <tr key={u.id} className="border-b border-slate-100 last:border-0" data-testid="user-row" data-user-id={u.id} data-email={u.email}>
                    <td className="hidden px-4 py-2 font-medium md:table-cell">
                      {u.name} {isSelf && <Badge tone="blue">you</Badge>}
                    </td>
                    <td className="px-3 py-2 [overflow-wrap:anywhere] sm:px-4">{u.email}</td>
                    <td className="px-4 py-2">
                      {ROLE_LABELS[u.role].label}
                      {isLastAdmin && (
                        <span className="ml-2">
                          <Badge tone="amber" title="The last active admin cannot be demoted or disabled.">last active admin</Badge>
                        </span>
                      )}
                    </td>
                    <td className="hidden px-4 py-2 sm:table-cell">{u.disabled ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>}</td>
                    <td className="px-4 py-2">
                      <UserRowControls user={u} isSelf={isSelf} isLastAdmin={isLastAdmin} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="mt-4 text-xs text-slate-500">
        You cannot change your own role or disable yourself, and the last active admin cannot be demoted or disabled: someone must always be able to manage users.
      </p>
      <section aria-labelledby="two-factor-admin-heading" className="mt-10">
        <h2 id="two-factor-admin-heading" className="mb-3 text-lg font-semibold">
          Two-factor sign-in
        </h2>
        <TwoFactorAdmin
          required={security.requireAdminTwoFactor}
          users={twoFactorUsers.map((u) => ({ id: u.id, email: u.email, enabledAt: u.enabledAt.toISOString() }))}
        />
      </section>
    </>
  );
}
