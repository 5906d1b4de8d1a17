"use client";
// Personal API tokens on /account (create, shown once; revoke) and, for administrators, everyone's
// tokens (revoke). The server actions check who may do what; this only asks.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { createApiTokenAction, revokeAnyApiTokenAction, revokeOwnApiTokenAction } from "@/lib/tokens/actions";
import { TOKEN_EXPIRY_DAYS, TOKEN_SCOPE_LABELS, TOKEN_SCOPES, type TokenScope } from "@/lib/tokens/schema";
import { applyActionErrors, reach } from "./action-result";
import { toast } from "./toast";
import { Badge, Button, Field, Input, Select } from "./ui";

type FormValues = { name: string; scope: TokenScope; expiresInDays: string };

export function ApiTokenCreate() {
  const router = useRouter();
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const form = useForm<FormValues>({ defaultValues: { name: "", scope: "read", expiresInDays: "90" } });
  const { register, handleSubmit, formState, setError, reset } = form;
  const onSubmit = handleSubmit(async (values) => {
    const r = await reach(createApiTokenAction({ ...values, expiresInDays: Number(values.expiresInDays) }));
    if (!r.ok) return applyActionErrors(r, setError);
    setShown({ name: r.data.name, token: r.data.token });
    reset();
    router.refresh();
  });
  if (shown) {
    return (
      <div role="status" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950" data-testid="api-token">
        <p className="font-medium">Token “{shown.name}” — copy it now. The panel stores only its hash and will not show it again.</p>
        <code className="block break-all rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs" aria-label={`Token ${shown.name}`}>
          {shown.token}
        </code>
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            variant="secondary"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(shown.token);
                toast.success("Token copied.");
              } catch {
                toast.error("The browser refused the clipboard: select the token and copy it.");
              }
            }}
          >
            Copy
          </Button>
          <Button type="button" variant="secondary" onClick={() => setShown(null)}>
            I have saved it
          </Button>
        </div>
      </div>
    );
  }
  const errors = formState.errors;
  return (
    <form onSubmit={onSubmit} noValidate className="max-w-xl space-y-4" aria-label="Create an API token">
      <Field label="Name" htmlFor="token-name" error={errors.name?.message} hint="What will use it, e.g. “CI deploy”.">
        <Input id="token-name" maxLength={80} {...register("name")} aria-invalid={!!errors.name} />
      </Field>
      <Field label="Scope" htmlFor="token-scope" error={errors.scope?.message} hint="A token can never do more than your role allows.">
        <Select id="token-scope" {...register("scope")}>
          {TOKEN_SCOPES.map((s) => (
            <option key={s} value={s}>
              {TOKEN_SCOPE_LABELS[s]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Expires after" htmlFor="token-expiry" error={errors.expiresInDays?.message}>
        <Select id="token-expiry" {...register("expiresInDays")}>
          {TOKEN_EXPIRY_DAYS.map((d) => (
            <option key={d} value={String(d)}>
              {d} days
            </option>
          ))}
        </Select>
      </Field>
      <Button type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? "Creating…" : "Create token"}
      </Button>
    </form>
  );
}

export type TokenRow = {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  ownerEmail?: string;
};

function state(t: TokenRow, now: number) {
  if (t.revokedAt) return <Badge tone="slate">Revoked</Badge>;
  if (Date.parse(t.expiresAt) <= now) return <Badge tone="amber">Expired</Badge>;
  return <Badge tone="green">Active</Badge>;
}

const day = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

export function ApiTokenList({ tokens, admin = false, now }: { tokens: TokenRow[]; admin?: boolean; now: number }) {
  const router = useRouter();
  const [busy, setBusy] = useState<string | null>(null);
  if (tokens.length === 0) return <p className="text-sm text-slate-600">No API tokens.</p>;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full text-left text-sm" aria-label={admin ? "Everyone's API tokens" : "Your API tokens"}>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th className="px-3 py-2">Name</th>
            {admin && <th className="px-3 py-2">Owner</th>}
            <th className="px-3 py-2">Scope</th>
            <th className="hidden px-3 py-2 sm:table-cell">Expires</th>
            <th className="hidden px-3 py-2 md:table-cell">Last used</th>
            <th className="px-3 py-2">State</th>
            <th className="px-3 py-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} className="border-b border-slate-100 last:border-0">
              <td className="px-3 py-2">
                <span className="font-medium">{t.name}</span>
                <span className="block font-mono text-xs text-slate-600">pal_{t.prefix}_…</span>
              </td>
              {admin && <td className="px-3 py-2 break-all">{t.ownerEmail}</td>}
              <td className="px-3 py-2">{t.scope === "write" ? "read + write" : "read"}</td>
              <td className="hidden px-3 py-2 sm:table-cell">{day(t.expiresAt)}</td>
              <td className="hidden px-3 py-2 md:table-cell">{day(t.lastUsedAt)}</td>
              <td className="px-3 py-2">{state(t, now)}</td>
              <td className="px-3 py-2 text-right">
                {!t.revokedAt && (
                  <Button
                    type="button"
                    variant="danger"
                    disabled={busy === t.id}
                    aria-label={`Revoke token ${t.name}`}
                    onClick={async () => {
                      if (!window.confirm(`Revoke the token “${t.name}”? Scripts using it stop working at once.`)) return;
                      setBusy(t.id);
                      const r = await reach((admin ? revokeAnyApiTokenAction : revokeOwnApiTokenAction)({ id: t.id }));
                      setBusy(null);
                      if (!r.ok) return applyActionErrors(r);
                      toast.success(`Token “${t.name}” revoked.`);
                      router.refresh();
                    }}
                  >
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
