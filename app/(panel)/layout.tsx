import Link from "next/link";
import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/sign-out-button";
import { can, type Permission } from "@/lib/auth/permissions";
import { getSessionUser } from "@/lib/auth/session";

// Every panel page depends on the signed-in user: never prerender.
export const dynamic = "force-dynamic";

const NAV: { href: string; label: string; permission?: Permission }[] = [
  { href: "/", label: "Dashboard" },
  { href: "/vhosts", label: "Virtual hosts" },
  { href: "/templates", label: "Templates" },
  { href: "/config", label: "Config" },
  { href: "/nodes", label: "Nodes" },
  { href: "/events", label: "Events", permission: "event.read" },
  { href: "/audit", label: "Audit log" },
  { href: "/users", label: "Users", permission: "user.manage" },
];

export default async function PanelLayout({ children }: { children: React.ReactNode }) {
  const user = await getSessionUser();
  if (!user) redirect("/login");
  return (
    <div className="min-h-screen">
      <header className="bg-slate-900 text-white">
        <nav className="mx-auto flex max-w-6xl items-center gap-6 px-4 py-3" aria-label="Main">
          <Link href="/" className="font-semibold tracking-wide">
            Palisade
          </Link>
          {NAV.filter((n) => !n.permission || can(user.role, n.permission)).map((n) => (
            <Link key={n.href} href={n.href} className="text-sm text-slate-300 hover:text-white">
              {n.label}
            </Link>
          ))}
          <span className="ml-auto text-sm text-slate-300" data-testid="current-user">
            {user.email} · {user.role}
          </span>
          <Link href="/account" className="text-sm text-slate-300 hover:text-white">
            Your account
          </Link>
          <SignOutButton />
        </nav>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
