"use client";
// The audit log's filter form. It submits as a plain GET form (the filter lives in the URL, so a link
// reproduces the view); with JavaScript, empty fields are left out of the URL.
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import type { AuditFilter } from "@/lib/audit/filters";
import { Button, Field, Input, Select } from "./ui";

export type AuditFilterChoices = {
  actions: string[];
  entityTypes: string[];
  actors: string[];
  vhosts: { id: string; domain: string }[];
};

export function AuditFilterForm({
  action,
  filter,
  choices,
  allOfTypeHref,
}: {
  action: string;
  filter: AuditFilter;
  choices: AuditFilterChoices;
  /** With an entity chosen: the same view for every entity of its type. */
  allOfTypeHref?: string;
}) {
  const router = useRouter();

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(e.currentTarget)) if (typeof v === "string" && v.trim() !== "") params.set(k, v.trim());
    const qs = params.toString();
    router.push(qs ? `${action}?${qs}` : action);
  }

  // A filter value the choices no longer list (a deleted vhost, an action that was archived away) stays selectable.
  const withCurrent = (list: string[], current?: string) => (current && !list.includes(current) ? [current, ...list] : list);
  const vhosts = filter.vhost && !choices.vhosts.some((v) => v.id === filter.vhost) ? [{ id: filter.vhost, domain: `deleted (${filter.vhost.slice(0, 8)}…)` }, ...choices.vhosts] : choices.vhosts;

  return (
    <form action={action} method="get" onSubmit={submit} role="search" aria-label="Filter the audit log" className="mb-4 rounded-lg border border-slate-200 bg-white p-4">
      <div className="grid gap-3 md:grid-cols-4">
        <div className="md:col-span-2">
          <Field label="Search summaries and values" htmlFor="audit-q">
            <Input id="audit-q" name="q" type="search" defaultValue={filter.q ?? ""} placeholder="e.g. 10.0.0.1 shop.example.com" />
          </Field>
        </div>
        <Field label="Actor" htmlFor="audit-actor">
          <Input id="audit-actor" name="actor" list="audit-actors" defaultValue={filter.actor ?? ""} placeholder="email" />
          <datalist id="audit-actors">
            {choices.actors.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </Field>
        <Field label="Action" htmlFor="audit-action">
          <Select id="audit-action" name="action" defaultValue={filter.action ?? ""}>
            <option value="">Any action</option>
            {withCurrent(choices.actions, filter.action).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Entity type" htmlFor="audit-entity">
          <Select id="audit-entity" name="entity" defaultValue={filter.entity ?? ""}>
            <option value="">Any entity</option>
            {withCurrent(choices.entityTypes, filter.entity).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
        {filter.entityId && <input type="hidden" name="entityId" value={filter.entityId} />}
        <Field label="Virtual host" htmlFor="audit-vhost">
          <Select id="audit-vhost" name="vhost" defaultValue={filter.vhost ?? ""}>
            <option value="">Any virtual host</option>
            {vhosts.map((v) => (
              <option key={v.id} value={v.id}>
                {v.domain}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="From (UTC)" htmlFor="audit-from">
          <Input id="audit-from" name="from" type="date" defaultValue={filter.from ?? ""} />
        </Field>
        <Field label="To (UTC, inclusive)" htmlFor="audit-to">
          <Input id="audit-to" name="to" type="date" defaultValue={filter.to ?? ""} />
        </Field>
      </div>
      <div className="mt-3 flex items-center gap-3">
        <Button type="submit">Apply filters</Button>
        <Link href={action} className="text-sm text-blue-700 hover:underline">
          Clear
        </Link>
        {filter.entityId && allOfTypeHref && (
          <span className="text-xs text-slate-600">
            Showing one {filter.entity}: <span className="font-mono">{filter.entityId}</span> ·{" "}
            <Link href={allOfTypeHref} className="text-blue-700 hover:underline">
              all of type {filter.entity}
            </Link>
          </span>
        )}
      </div>
    </form>
  );
}
