import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { listAuditEvents } from "@/lib/audit/queries";

export const metadata: Metadata = { title: "Dashboard" };

export default async function Dashboard() {
  const user = await requireUser();
  const [byMode, total, recent] = await Promise.all([
    db.wafPolicy.groupBy({ by: ["engineMode"], _count: { _all: true } }),
    db.virtualHost.count(),
    listAuditEvents({ limit: 8 }),
  ]);
  const count = (m: string) => byMode.find((r) => r.engineMode === m)?._count._all ?? 0;
  const cards = [
    { label: "Virtual hosts", value: total },
    { label: "Blocking", value: count("BLOCKING") },
    { label: "Detection only", value: count("DETECTION_ONLY") },
    { label: "WAF off", value: count("OFF") },
  ];
  return (
    <>
      <PageHeader title="Dashboard">Signed in as {user.name} ({user.role.toLowerCase()}).</PageHeader>
      <div className="mb-8 grid grid-cols-2 gap-4 md:grid-cols-4">
        {cards.map((c) => (
          <div key={c.label} className="rounded-lg border border-slate-200 bg-white p-4">
            <div className="text-2xl font-semibold">{c.value}</div>
            <div className="text-sm text-slate-600">{c.label}</div>
          </div>
        ))}
      </div>
      <h2 className="mb-2 text-lg font-semibold">Recent changes</h2>
      {recent.rows.length === 0 ? (
        <p className="text-sm text-slate-600">Nothing has changed yet.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
          {recent.rows.map((e) => (
            <li key={e.id} className="px-4 py-2">
              <Link href={`/audit/${e.id}`} className="text-blue-700 hover:underline">{e.summary}</Link>
              <span className="text-slate-500"> · {e.actorEmail}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
