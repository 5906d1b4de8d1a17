import { PageHeader } from "./ui";

/** What a non-admin sees at /users: the page says no instead of showing an empty list. */
export function UsersRefused({ role }: { role: string }) {
  return (
    <>
      <PageHeader title="Users" />
      <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-6 text-sm text-amber-900" data-testid="forbidden">
        <p className="font-medium">403: only admins can manage users.</p>
        <p className="mt-1">You are signed in as {role.toLowerCase()}. Ask an admin if you need an account created, a role changed or a password reset.</p>
      </div>
    </>
  );
}
