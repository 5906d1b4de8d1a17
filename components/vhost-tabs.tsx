"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "./ui";

const TABS = [
  { href: "", label: "Settings" },
  { href: "/policy", label: "WAF policy" },
  { href: "/ip-lists", label: "IP lists" },
  { href: "/rules", label: "Custom rules" },
  { href: "/exclusions", label: "Exclusions" },
  { href: "/events", label: "Events" },
  { href: "/config", label: "Published config" },
];

export function VhostTabs({ id }: { id: string }) {
  const pathname = usePathname();
  const base = `/vhosts/${id}`;
  return (
    <nav className="mb-6 flex flex-wrap gap-x-1 border-b border-slate-200" aria-label="Virtual host sections">
      {TABS.map((t) => {
        const href = base + t.href;
        const active = pathname === href;
        return (
          <Link
            key={t.label}
            href={href}
            aria-current={active ? "page" : undefined}
            className={cx("-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm", active ? "border-blue-700 font-medium text-blue-800" : "border-transparent text-slate-600 hover:text-slate-900")}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
