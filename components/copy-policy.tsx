"use client";
import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import { useForm } from "react-hook-form";
import { copyPolicyAction, copyPolicyForm } from "@/lib/templates/actions";
import type { CopyPolicyFormValues, CopyPolicyInput } from "@/lib/templates/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Select } from "./ui";

const resolver = lazyZodResolver<CopyPolicyFormValues, CopyPolicyInput>(() => import("@/lib/templates/schema").then((m) => m.CopyPolicySchema));

const MODE = { BLOCKING: "blocking", DETECTION_ONLY: "detection only", OFF: "off" } as const;

export type CopySourceVhost = { id: string; domain: string; engineMode: keyof typeof MODE | null; blockingParanoia: number | null; exclusionCount: number };
export type CopySourceTemplate = { id: string; name: string; summary: string; exclusionCount: number };

/**
 * "Copy policy from…": another vhost's (or a template's) mode, paranoia levels and thresholds replace this
 * vhost's. Rule exclusions are kept unless the user ticks the box: they are usually specific to one
 * application, so copying them is a deliberate choice, and the confirmation says how many go and come.
 */
export function CopyPolicy({
  vhostId,
  domain,
  policyVersion,
  exclusionCount,
  vhosts,
  templates,
}: {
  vhostId: string;
  domain: string;
  policyVersion: number;
  exclusionCount: number;
  vhosts: CopySourceVhost[];
  templates: CopySourceTemplate[];
}) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [pending, setPending] = useState<CopyPolicyInput | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const start: CopyPolicyFormValues = { vhostId, source: "", replaceExclusions: false, policyVersion };
  const native = useNativeForm(copyPolicyForm, start);
  const form = useForm<CopyPolicyFormValues, unknown, CopyPolicyInput>({ resolver, defaultValues: { ...native.values, vhostId, policyVersion } });
  const { handleSubmit, formState, setError, watch } = form;
  const { field, checkbox } = htmlFields(form);
  const source = watch("source");
  const replace = watch("replaceExclusions");
  const chosen = describeSource(source, vhosts, templates);

  if (vhosts.length === 0 && templates.length === 0) {
    return <p className="text-sm text-slate-600">There is nothing to copy from yet: create another virtual host or a template first.</p>;
  }

  async function copy(values: CopyPolicyInput) {
    setBusy(true);
    const r = await native.send(copyPolicyAction, values);
    setBusy(false);
    dialog.current?.close();
    setPending(null);
    if (!r.ok) {
      if (r.conflict) setConflict(r.error);
      return applyActionErrors(r, setError);
    }
    toast.success(
      `Copied the policy of ${r.data.sourceLabel}` + (r.data.exclusionCount === null ? "; exclusions kept." : `; exclusions replaced (${r.data.exclusionCount} now).`),
    );
    form.reset({ vhostId, source: "", replaceExclusions: false, policyVersion: r.data.version });
    router.refresh();
  }

  return (
    <section aria-labelledby="copy-policy-heading" className="mt-10 max-w-2xl rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="copy-policy-heading" className="font-semibold">
        Copy policy from another virtual host or a template
      </h2>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        Replaces the engine mode, paranoia levels and anomaly thresholds above. Rule exclusions stay as they are unless you tick the box: they usually fit one application only.
      </p>
      {conflict && (
        <div role="alert" className="mb-4 space-y-2 rounded-md border border-amber-400 bg-amber-50 p-3 text-sm" data-testid="copy-conflict">
          <p className="text-amber-900">{conflict}</p>
          <Button type="button" variant="secondary" onClick={() => window.location.reload()}>
            Load the current policy
          </Button>
        </div>
      )}
      <form
        action={native.action}
        onSubmit={handleSubmit((values) => {
          setPending(values);
          dialog.current?.showModal();
        })}
        onFocus={resolver.preload}
        noValidate
        className="space-y-4"
        aria-label="Copy policy"
      >
        <NativeFields idempotencyKey={native.key} values={start} />
        <NativeStatus state={native.state} success="" />
        <Field label="Copy from" htmlFor="copy-source" error={formState.errors.source?.message} hint={chosen?.hint}>
          <Select id="copy-source" {...field("source")} aria-invalid={!!formState.errors.source}>
            <option value="">Choose…</option>
            {templates.length > 0 && (
              <optgroup label="Templates">
                {templates.map((t) => (
                  <option key={t.id} value={`template:${t.id}`}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            )}
            {vhosts.length > 0 && (
              <optgroup label="Other virtual hosts">
                {vhosts.map((v) => (
                  <option key={v.id} value={`vhost:${v.id}`}>
                    {v.domain}
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </Field>
        <label className="flex items-start gap-2 text-sm">
          <input className="mt-1" {...checkbox("replaceExclusions")} />
          <span>
            Also replace this site&apos;s rule exclusions ({exclusionCount}) with theirs{chosen ? ` (${chosen.exclusionCount})` : ""}.
          </span>
        </label>
        <input type="hidden" {...field("vhostId")} />
        <input type="hidden" {...field("policyVersion", { valueAsNumber: true })} />
        <Button type="submit" variant="secondary" disabled={formState.isSubmitting}>
          Copy policy…
        </Button>
      </form>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setPending(null)} className="m-auto max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40">
        <h2 id={titleId} className="mb-2 text-lg font-semibold">
          Replace the policy of {domain}?
        </h2>
        <div className="mb-4 space-y-2 text-sm text-slate-700">
          <p>Its engine mode, paranoia levels and thresholds become those of {chosen?.label ?? "the source"}.</p>
          <p>
            {replace
              ? `Its ${exclusionCount} rule exclusion${exclusionCount === 1 ? "" : "s"} are deleted and replaced by ${chosen?.exclusionCount ?? 0} from the source.`
              : "Its rule exclusions are kept."}{" "}
            The audit log records the old and new values.
          </p>
        </div>
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={() => dialog.current?.close()} autoFocus>
            Cancel
          </Button>
          <Button type="button" variant="danger" disabled={!pending || busy} onClick={() => pending && void copy(pending)}>
            {busy ? "Copying…" : "Replace policy"}
          </Button>
        </div>
      </dialog>
    </section>
  );
}

function describeSource(source: string, vhosts: CopySourceVhost[], templates: CopySourceTemplate[]) {
  const [kind, id] = source.split(":");
  if (kind === "template") {
    const t = templates.find((x) => x.id === id);
    return t && { label: `the template "${t.name}"`, hint: `${t.summary}.`, exclusionCount: t.exclusionCount };
  }
  if (kind === "vhost") {
    const v = vhosts.find((x) => x.id === id);
    return (
      v && {
        label: v.domain,
        hint: v.engineMode ? `Currently ${MODE[v.engineMode]}${v.engineMode !== "OFF" ? ` at paranoia ${v.blockingParanoia}` : ""}, ${v.exclusionCount} exclusion${v.exclusionCount === 1 ? "" : "s"}.` : undefined,
        exclusionCount: v.exclusionCount,
      }
    );
  }
  return undefined;
}
