"use client";
// The one answer to a page a role may not open (app/(panel)/forbidden.tsx, status 403): what the page
// needs, who you are, and a way back. Next renders it without saying which check failed, so the page's
// own rule is looked up by its path in the table the check used (lib/auth/page-permissions.ts).
import Link from "next/link";
import { usePathname } from "next/navigation";
import { pageRule, rolesThatMay } from "@/lib/auth/page-permissions";
import { PageHeader } from "./ui";

export function RefusalPanel() {
  const rule = pageRule(usePathname());
  const back = rule?.back ?? { href: "/", label: "the dashboard" };
  return (
    <>
      <PageHeader title="You cannot open this page" />
      <div role="alert" className="max-w-2xl rounded-lg border border-amber-300 bg-amber-50 p-6 text-sm text-amber-900" data-testid="forbidden">
        <p className="font-medium">
          403 Forbidden: {rule ? <>this page is for {rolesThatMay(rule.permission)} only.</> : <>your role does not allow it.</>}
        </p>
        <p className="mt-1">{rule?.hint ?? "Ask an admin if your work needs it."}</p>
        <p className="mt-4">
          <Link href={back.href} className="font-medium text-blue-800 underline">
            ← Back to {back.label}
          </Link>
        </p>
      </div>
    </>
  );
}
