"use client";
// The panel's navigation links and the phone menu button. Client components only because they read the
// current path (aria-current) and close the menu after a navigation: the menu itself is a native popover,
// so the button opens it before hydration too, and Escape or a click outside closes it.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { cx } from "./ui";

export type NavItem = { href: string; label: string };

function isCurrent(pathname: string, href: string) {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export const NAV_LINK = "block rounded-md px-3 py-2 text-sm text-slate-200 hover:bg-slate-800 hover:text-white";
const CURRENT = "bg-slate-800 font-semibold text-white";

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <ul className="space-y-1">
      {items.map((n) => {
        const current = isCurrent(pathname, n.href);
        return (
          <li key={n.href}>
            <Link href={n.href} aria-current={current ? "page" : undefined} className={cx(NAV_LINK, "whitespace-nowrap", current && CURRENT)}>
              {n.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** Opens the navigation (a popover with id `controls`) on narrow screens. */
export function MenuButton({ controls }: { controls: string }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  useEffect(() => {
    const menu = document.getElementById(controls);
    if (!menu) return;
    const onToggle = (e: Event) => setOpen((e as ToggleEvent).newState === "open");
    menu.addEventListener("toggle", onToggle);
    setOpen(menu.matches(":popover-open"));
    return () => menu.removeEventListener("toggle", onToggle);
  }, [controls]);
  // A link in the menu was followed: the layout stays mounted, so close the menu here.
  useEffect(() => {
    const menu = document.getElementById(controls);
    if (menu?.matches(":popover-open")) menu.hidePopover();
  }, [pathname, controls]);
  return (
    <button
      type="button"
      popoverTarget={controls}
      aria-controls={controls}
      aria-expanded={open}
      className="inline-flex items-center gap-2 rounded-md border border-slate-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 lg:hidden"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
        <path d="M3 5h14v2H3zM3 9h14v2H3zM3 13h14v2H3z" />
      </svg>
      Menu
    </button>
  );
}
