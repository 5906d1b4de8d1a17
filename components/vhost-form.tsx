"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useForm } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import { createVhostAction, createVhostForm, updateVhostAction, updateVhostForm } from "@/lib/vhosts/actions";
import { TLS_MODE_LABELS, TLS_MODES } from "@/lib/vhosts/fields";
import type { CreateVhostFormValues, CreateVhostInput } from "@/lib/vhosts/schema";
import { applyActionErrors } from "./action-result";
import { ConflictBanner } from "./conflict-banner";
import { htmlFields, useFollowStoredVersion } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";
import { Textarea } from "./textarea";

type Conflict = NonNullable<Extract<ActionResult<unknown>, { ok: false }>["conflict"]> & { message: string };

/** A template the create form offers as a starting policy. */
export type TemplateChoice = { id: string; name: string; summary: string };

// Creating also validates the template choice; editing has none.
const createResolver = lazyZodResolver<CreateVhostFormValues, CreateVhostInput>(() => import("@/lib/vhosts/schema").then((m) => m.CreateVhostSchema));
const editResolver = lazyZodResolver<CreateVhostFormValues, CreateVhostInput>(() => import("@/lib/vhosts/schema").then((m) => m.VhostFieldsSchema));

export function VhostForm({
  initial,
  id,
  version: initialVersion,
  templates = [],
}: {
  initial: CreateVhostFormValues;
  id?: string;
  version?: number;
  /** Create only: the templates to start from. */
  templates?: TemplateChoice[];
}) {
  const router = useRouter();
  const [version, setVersion] = useState(initialVersion);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const resolver = id ? editResolver : createResolver;
  const native = useNativeForm(id ? updateVhostForm : createVhostForm, initial);
  const form = useForm<CreateVhostFormValues, unknown, CreateVhostInput>({ resolver, defaultValues: native.values, mode: "onBlur" });
  const { handleSubmit, formState, setError, watch } = form;
  const { field, checkbox } = htmlFields(form);
  const errors = formState.errors;
  const tlsMode = watch("tlsMode");
  // HTTPS brings HSTS on by default: turning TLS on ticks HSTS unless the user has set HSTS themselves;
  // turning TLS off unticks it (the schema refuses HSTS without HTTPS). The checkbox stays in the page in
  // every mode, so a native submission (before the scripts ran) sends exactly what it shows.
  const hstsSetByUser = useRef(false);
  const lastTlsMode = useRef(tlsMode);
  useEffect(() => {
    lastTlsMode.current = tlsMode; // also after a reset (a save, someone else's newer version)
  }, [tlsMode]);
  function tlsModeChanged() {
    const next = form.getValues("tlsMode");
    const wasOff = lastTlsMode.current === "NONE";
    lastTlsMode.current = next;
    if (next === "NONE") {
      if (form.getValues("hsts")) form.setValue("hsts", false, { shouldDirty: true });
    } else if (wasOff && !hstsSetByUser.current && !form.getValues("hsts")) {
      form.setValue("hsts", true, { shouldDirty: true });
    }
    if (form.getFieldState("hsts").error) void form.trigger("hsts");
  }
  const hsts = checkbox("hsts");
  // Loopback, link-local, metadata or a node's own address: the server asks for a confirmation (lib/vhosts/backend-risk.ts).
  const internalRefusal = (m: string | undefined) => !!m && m.includes("The backend is internal");
  const nativeRefusal = native.state && !native.state.result.ok ? native.state.result.fieldErrors?.backendUrl?.join(" ") : undefined;
  const askInternal = internalRefusal(errors.backendUrl?.message) || internalRefusal(nativeRefusal) || watch("confirmInternalBackend") === true;
  const templateId = watch("templateId");
  const chosenTemplate = templates.find((t) => t.id === templateId);

  async function save(values: CreateVhostFormValues, atVersion = version) {
    setConflict(null);
    const result = id ? await native.send(updateVhostAction, { ...values, id, version: atVersion! }) : await native.send(createVhostAction, values);
    if (!result.ok) {
      if (result.conflict) setConflict({ ...result.conflict, message: result.error });
      applyActionErrors(result, setError);
      return;
    }
    if (id) {
      setVersion((result.data as { version: number }).version);
      toast.success("Saved.");
      form.reset(values);
      router.refresh();
    } else {
      toast.success(`Created ${(result.data as { domain: string }).domain}.`);
      router.push(`/vhosts/${(result.data as { id: string }).id}`);
    }
  }

  const onSubmit = handleSubmit((_parsed) => save(form.getValues()));
  useNativeResult(native.state, setError);
  useFollowStoredVersion(initialVersion, version, () => {
    setVersion(initialVersion);
    form.reset(initial);
  });

  return (
    <form action={native.action} onSubmit={onSubmit} onFocus={resolver.preload} noValidate className="max-w-2xl space-y-5" aria-label={id ? "Edit virtual host" : "New virtual host"}>
      <NativeFields idempotencyKey={native.key} values={native.values} hidden={{ id, version }} />
      <NativeStatus state={native.state} success="Saved." />
      {conflict && <ConflictBanner message={conflict.message} onSaveMine={() => save(form.getValues(), conflict.currentVersion)} />}
      <Field label="Domain" htmlFor="domain" error={errors.domain?.message} hint="Internationalised names are stored as punycode (xn--…).">
        <Input id="domain" {...field("domain")} aria-invalid={!!errors.domain} placeholder="shop.example.com" autoComplete="off" />
      </Field>
      <Field label="Aliases" htmlFor="aliases" error={errors.aliases?.message} hint="Other names of this site, one per line.">
        <Textarea id="aliases" rows={3} {...field("aliases")} aria-invalid={!!errors.aliases} placeholder="www.example.com" />
      </Field>
      <Field label="Backend URL" htmlFor="backendUrl" error={errors.backendUrl?.message} hint="Where the WAF forwards clean requests.">
        <Input id="backendUrl" {...field("backendUrl")} aria-invalid={!!errors.backendUrl} placeholder="http://10.0.0.5:8080" autoComplete="off" />
      </Field>
      {askInternal && (
        <label className="flex items-center gap-2 text-sm">
          <input {...checkbox("confirmInternalBackend")} /> This backend is internal, I confirm it
        </label>
      )}
      <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium">TLS</legend>
        <Field label="Mode" htmlFor="tlsMode" error={errors.tlsMode?.message}>
          <Select id="tlsMode" {...field("tlsMode", { onChange: tlsModeChanged })}>
            {TLS_MODES.map((m) => (
              <option key={m} value={m}>
                {TLS_MODE_LABELS[m]}
              </option>
            ))}
          </Select>
        </Field>
        {tlsMode !== "NONE" && (
          <>
            <Field label="Certificate" htmlFor="certificateRef" error={errors.certificateRef?.message} hint="Name of the certificate in the WAF nodes' certificate store.">
              <Input id="certificateRef" {...field("certificateRef")} aria-invalid={!!errors.certificateRef} placeholder="example.com" />
            </Field>
            <Field label="Minimum TLS version" htmlFor="minTlsVersion" error={errors.minTlsVersion?.message}>
              <Select id="minTlsVersion" {...field("minTlsVersion")}>
                <option value="TLS1_2">TLS 1.2</option>
                <option value="TLS1_3">TLS 1.3</option>
              </Select>
            </Field>
          </>
        )}
        <div>
          <label className="flex items-center gap-2 text-sm">
            <input
              {...hsts}
              onChange={(e) => {
                hstsSetByUser.current = true;
                return hsts.onChange(e);
              }}
            />{" "}
            Send HSTS (browsers remember to use HTTPS only)
          </label>
          {errors.hsts && (
            <p role="alert" className="text-sm text-red-700">
              {errors.hsts.message}
            </p>
          )}
        </div>
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input {...checkbox("enabled")} /> Enabled (served by the WAF)
      </label>
      {!id && templates.length > 0 && (
        <Field
          label="Start from template"
          htmlFor="templateId"
          error={errors.templateId?.message}
          hint={
            chosenTemplate
              ? `${chosenTemplate.summary}. The template's rule exclusions are copied too; change anything later on the WAF policy tab.`
              : "Without a template the policy starts with CRS defaults: blocking at paranoia 1, thresholds 5 / 4."
          }
        >
          <Select id="templateId" {...field("templateId")} aria-invalid={!!errors.templateId}>
            <option value="">None: CRS defaults</option>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <div className="flex gap-3">
        <Button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : id ? "Save changes" : "Create virtual host"}
        </Button>
        <Link href="/vhosts" className="self-center text-sm text-slate-600 hover:underline">
          Cancel
        </Link>
      </div>
    </form>
  );
}
