// The REST API's reference, rendered on the server from the OpenAPI document itself (no CDN assets).
import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui";
import { openApiDocument } from "@/lib/api/openapi";
import { operationsOf, schemasOf, type Field } from "@/lib/api/reference";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "API reference" };

function Fields({ fields, label, withIn = false }: { fields: (Field & { in?: string })[]; label: string; withIn?: boolean }) {
  if (fields.length === 0) return null;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-xs" aria-label={label}>
        <thead className="text-slate-600">
          <tr>
            <th className="py-1 pr-3">Name</th>
            {withIn && <th className="py-1 pr-3">In</th>}
            <th className="py-1 pr-3">Type</th>
            <th className="py-1">Required</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={`${f.in ?? ""}${f.name}`} className="border-t border-slate-100 align-top">
              <td className="py-1 pr-3 font-mono">{f.name}</td>
              {withIn && <td className="py-1 pr-3">{f.in}</td>}
              <td className="py-1 pr-3 font-mono break-all">
                {f.type}
                {f.description && <span className="block font-sans text-slate-600">{f.description}</span>}
              </td>
              <td className="py-1">{f.required ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function ApiDocsPage() {
  await requireUser();
  const doc = openApiDocument() as Parameters<typeof operationsOf>[0] & { info: { description?: string } };
  const operations = operationsOf(doc);
  return (
    <>
      <PageHeader title="API reference">
        {doc.info.description} The machine-readable document is at{" "}
        <a className="text-blue-700 underline" href="/api/v1/openapi.json">
          /api/v1/openapi.json
        </a>
        ; create a token on <Link className="text-blue-700 underline" href="/account#api-tokens">your account page</Link>.
      </PageHeader>
      <nav aria-label="Operations" className="mb-6">
        <ul className="grid gap-1 text-sm sm:grid-cols-2">
          {operations.map((o) => (
            <li key={`${o.method} ${o.path}`}>
              <a className="text-blue-700 underline" href={`#${o.method}-${o.path}`}>
                <span className="font-mono">{o.method}</span> <span className="font-mono break-all">{o.path}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="space-y-6">
        {operations.map((o) => (
          <section key={`${o.method} ${o.path}`} id={`${o.method}-${o.path}`} className="rounded-lg border border-slate-200 p-4" aria-label={`${o.method} ${o.path}`}>
            <h2 className="font-mono text-sm font-semibold break-all">
              <span className="mr-2 rounded bg-slate-800 px-1.5 py-0.5 text-white">{o.method}</span>
              {o.path}
            </h2>
            <p className="mt-2 text-sm">{o.summary}</p>
            <p className="mt-1 text-xs text-slate-700">
              Permission <code>{o.permission}</code>, token scope <code>{o.scope}</code>
            </p>
            {o.params.length > 0 && (
              <>
                <h3 className="mt-3 text-xs font-semibold uppercase text-slate-700">Parameters</h3>
                <Fields fields={o.params} label={`Parameters of ${o.method} ${o.path}`} withIn />
              </>
            )}
            {o.body && (
              <>
                <h3 className="mt-3 text-xs font-semibold uppercase text-slate-700">JSON body</h3>
                <Fields fields={o.body.fields} label={`Body of ${o.method} ${o.path}`} />
              </>
            )}
            <h3 className="mt-3 text-xs font-semibold uppercase text-slate-700">Responses</h3>
            <ul className="text-xs">
              {o.responses.map((r) => (
                <li key={r.status}>
                  <span className="font-mono font-semibold">{r.status}</span> {r.description}
                  {r.type && <span className="font-mono text-slate-700"> — {r.type}</span>}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <h2 className="mt-10 mb-3 text-lg font-semibold">Schemas</h2>
      <div className="space-y-4">
        {schemasOf(doc).map((s) => (
          <section key={s.name} id={`schema-${s.name}`} className="rounded-lg border border-slate-200 p-4" aria-label={`Schema ${s.name}`}>
            <h3 className="mb-2 font-mono text-sm font-semibold">{s.name}</h3>
            <Fields fields={s.fields} label={`Fields of ${s.name}`} />
          </section>
        ))}
      </div>
    </>
  );
}
