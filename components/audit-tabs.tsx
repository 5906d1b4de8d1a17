// The audit section's tabs. The list and the overview share the filter, so switching keeps it.
import Link from "next/link";
import { cx } from "./ui";

export type AuditTab = "events" | "overview" | "verify" | "archive";

export function AuditTabs({ active, query = "", showVerify }: { active: AuditTab; query?: string; showVerify: boolean }) {
  const tabs: { id: AuditTab; href: string; label: string }[] = [
    { id: "events", href: `/audit${query}`, label: "Events" },
    { id: "overview", href: `/audit/overview${query}`, label: "Activity overview" },
    ...(showVerify ? [{ id: "verify" as const, href: "/audit/verify", label: "Verify chain" }] : []),
    { id: "archive", href: "/audit/archive", label: "Archives" },
  ];
  return (
    <nav className="mb-6 flex gap-1 border-b border-slate-200" aria-label="Audit sections">
      {tabs.map((t) => (
        <Link
          key={t.id}
          href={t.href}
          aria-current={t.id === active ? "page" : undefined}
          className={cx("-mb-px border-b-2 px-3 py-2 text-sm", t.id === active ? "border-blue-700 font-medium text-blue-800" : "border-transparent text-slate-600 hover:text-slate-900")}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
