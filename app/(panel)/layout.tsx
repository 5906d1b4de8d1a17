import Link from "next/link";
import { redirect } from "next/navigation";
import { MenuButton, NavLinks, type NavItem } from "@/components/panel-nav";
import { SignOutButton } from "@/components/sign-out-button";
import { can, type Permission } from "@/lib/auth/permissions";
import { getSessionUser } from "@/lib/auth/session";
import { TWO_FACTOR_SETUP_PATH } from "@/lib/auth/two-factor-required";
import { mustEnrolTwoFactor } from "@/lib/two-factor/service";

// Every panel page depends on the signed-in user: never prerender.
export const dynamic = "force-dynamic";

const NAV: (NavItem & { permission?: Permission })[] = [
  { href: "/", label: "Dashboard" },
  { href: "/vhosts", label: "Virtual hosts" },
  { href: "/templates", label: "Templates" },
  { href: "/config", label: "Config" },
  { href: "/nodes", label: "Nodes" },
  { href: "/events", label: "Events", permission: "event.read" },
  { href: "/audit", label: "Audit log" },
  { href: "/users", label: "Users", permission: "user.manage" },
];

const MENU_ID = "main-nav";

// Wide screens (lg): a fixed sidebar, so the links never wrap however many a role sees. Narrow screens: a
// top bar with the signed-in user and a Menu button that opens the same navigation as a popover.
export default async function PanelLayout({ children }: { children: React.ReactNode }) {
  const user = await getSessionUser();
  if (!user) redirect("/login");
  // Two-factor required for admins and not set up yet: enrolment comes before anything else.
  if (await mustEnrolTwoFactor(user)) redirect(TWO_FACTOR_SETUP_PATH);
  const items = NAV.filter((n) => !n.permission || can(user.role, n.permission)).map(({ href, label }) => ({ href, label }));
  return (
    <div className="min-h-screen lg:pl-60">
      <a
        href="#content"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:text-sm focus:font-medium focus:text-blue-800 focus:shadow"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 bg-slate-900 text-white lg:fixed lg:inset-y-0 lg:left-0 lg:flex lg:w-60 lg:flex-col lg:overflow-y-auto">
        <div className="flex h-14 items-center gap-3 px-4 lg:h-auto lg:flex-col lg:items-start lg:gap-1 lg:py-5">
          <Link href="/" className="shrink-0 font-semibold tracking-wide">
            Palisade
          </Link>
          <span className="ml-auto min-w-0 truncate text-xs text-slate-300 lg:ml-0 lg:max-w-full" data-testid="current-user" title={`${user.email} · ${user.role}`}>
            {user.email} · {user.role}
          </span>
          <MenuButton controls={MENU_ID} />
        </div>
        <nav
          id={MENU_ID}
          popover="auto"
          aria-label="Main"
          className="inset-x-0 top-14 bottom-auto m-0 w-full max-h-[calc(100dvh-3.5rem)] overflow-y-auto border-0 bg-slate-900 p-3 text-white shadow-lg lg:static lg:flex lg:h-auto lg:max-h-none lg:flex-1 lg:flex-col lg:justify-between lg:bg-transparent lg:shadow-none"
        >
          <NavLinks items={items} />
          <div className="mt-3 space-y-1 border-t border-slate-700 pt-3">
            <NavLinks items={[{ href: "/account", label: "Your account" }]} />
            <SignOutButton />
          </div>
        </nav>
      </header>
      <main id="content" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none sm:py-8">
        {children}
      </main>
    </div>
  );
}
