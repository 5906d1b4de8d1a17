"use client";
// Two-factor sign-in on /account. Enrolment: the page (server) made a secret and its QR code; the user
// scans it, types a code, and gets the recovery codes once. Each form submits natively before hydration
// (components/native-form.tsx) and through its server action after.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { disableTwoFactorForm, disableTwoFactorAction, enableTwoFactorAction, enableTwoFactorForm } from "@/lib/two-factor/actions";
import { applyActionErrors } from "./action-result";
import { NativeFields, NativeStatus, useNativeForm } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input } from "./ui";

export type TwoFactorView = { enabled: boolean; enabledAt: string | null; recoveryCodesLeft: number };
export type EnrolmentView = { secret: string; qrSvg: string; account: string };

export function TwoFactorSettings({ status, enrolment, afterEnrol }: { status: TwoFactorView; enrolment: EnrolmentView | null; afterEnrol?: string }) {
  if (status.enabled) return <TwoFactorOn status={status} />;
  return enrolment ? <Enrol enrolment={enrolment} afterEnrol={afterEnrol} /> : null;
}

function RecoveryCodes({ codes, onDone, doneHref }: { codes: string[]; onDone?: () => void; doneHref?: string }) {
  return (
    <div role="status" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950" data-testid="recovery-codes">
      <p className="font-medium">Two-factor sign-in is on. Save these recovery codes now: each signs you in once without your phone, and they will not be shown again.</p>
      <ul className="grid grid-cols-2 gap-1 font-mono text-sm" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(codes.join("\n"));
              toast.success("Recovery codes copied.");
            } catch {
              toast.error("The browser refused the clipboard: select the codes and copy them.");
            }
          }}
        >
          Copy
        </Button>
        {onDone ? (
          <Button type="button" variant="secondary" onClick={onDone}>
            I have saved them
          </Button>
        ) : (
          <a href={doneHref ?? "/account"} className="inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
            I have saved them
          </a>
        )}
      </div>
    </div>
  );
}

function Enrol({ enrolment, afterEnrol }: { enrolment: EnrolmentView; afterEnrol?: string }) {
  const router = useRouter();
  const start = { secret: enrolment.secret, code: "" };
  const native = useNativeForm(enableTwoFactorForm, start);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const nativeCodes = native.state?.result.ok ? (native.state.result.data as { recoveryCodes: string[] }).recoveryCodes : null;

  if (codes ?? nativeCodes) {
    const done = () => (afterEnrol ? window.location.assign(afterEnrol) : router.refresh());
    return <RecoveryCodes codes={(codes ?? nativeCodes)!} onDone={codes ? done : undefined} doneHref={afterEnrol} />;
  }

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const code = String(new FormData(e.currentTarget).get("code") ?? "");
    const r = await native.send(enableTwoFactorAction, { secret: enrolment.secret, code });
    setPending(false);
    if (!r.ok) {
      setError(r.fieldErrors?.code?.join(" ") ?? null);
      return applyActionErrors(r);
    }
    setCodes(r.data.recoveryCodes);
  }

  const fieldError = error ?? (native.state && !native.state.result.ok ? native.state.result.fieldErrors?.code?.join(" ") : undefined) ?? undefined;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Scan this QR code with an authenticator app (Aegis, Google Authenticator, 1Password, Bitwarden…), then enter the 6-digit code it shows. From then on, signing in asks for a code after your password.
      </p>
      <div className="flex flex-wrap items-start gap-6">
        <div
          role="img"
          aria-label={`QR code for setting up two-factor sign-in for ${enrolment.account}`}
          className="h-48 w-48 shrink-0 rounded border border-slate-200 bg-white [&>svg]:h-full [&>svg]:w-full"
          dangerouslySetInnerHTML={{ __html: enrolment.qrSvg }}
        />
        <div className="min-w-0 space-y-1 text-sm">
          <p className="font-medium text-slate-700">Or type this key into the app:</p>
          <code className="block break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs" data-testid="totp-secret">
            {enrolment.secret}
          </code>
          <p className="text-xs text-slate-600">Time-based, 6 digits, every 30 seconds.</p>
        </div>
      </div>
      <form action={native.action} onSubmit={onSubmit} noValidate className="max-w-sm space-y-4" aria-label="Turn on two-factor sign-in">
        <NativeFields idempotencyKey={native.key} values={start} />
        <NativeStatus state={native.state} success="Two-factor sign-in is on." />
        <Field label="Code from the app" htmlFor="totp-code" error={fieldError}>
          <Input id="totp-code" name="code" type="text" inputMode="numeric" autoComplete="one-time-code" maxLength={7} aria-invalid={!!fieldError} />
        </Field>
        <Button type="submit" disabled={pending}>
          {pending ? "Checking…" : "Turn on two-factor sign-in"}
        </Button>
      </form>
    </div>
  );
}

function TwoFactorOn({ status }: { status: TwoFactorView }) {
  const router = useRouter();
  const start = { credential: "" };
  const native = useNativeForm(disableTwoFactorForm, start);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    setPending(true);
    setError(null);
    const credential = String(new FormData(form).get("credential") ?? "");
    const r = await native.send(disableTwoFactorAction, { credential });
    setPending(false);
    if (!r.ok) {
      setError(r.fieldErrors?.credential?.join(" ") ?? null);
      return applyActionErrors(r);
    }
    form.reset();
    toast.success("Two-factor sign-in is off.");
    router.refresh();
  }

  const fieldError = error ?? (native.state && !native.state.result.ok ? native.state.result.fieldErrors?.credential?.join(" ") : undefined) ?? undefined;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700" data-testid="two-factor-status">
        Two-factor sign-in is <strong>on</strong>
        {status.enabledAt ? ` since ${status.enabledAt.slice(0, 10)}` : ""}. {status.recoveryCodesLeft} of 10 recovery codes left.
        {status.recoveryCodesLeft <= 3 && " Turn it off and on again to get new ones."}
      </p>
      <form action={native.action} onSubmit={onSubmit} noValidate className="max-w-sm space-y-4" aria-label="Turn off two-factor sign-in">
        <NativeFields idempotencyKey={native.key} values={start} />
        <NativeStatus state={native.state} success="Two-factor sign-in is off." />
        <Field label="Current code, recovery code or password" htmlFor="two-factor-credential" error={fieldError}>
          <Input id="two-factor-credential" name="credential" type="password" autoComplete="off" aria-invalid={!!fieldError} />
        </Field>
        <Button type="submit" variant="danger" disabled={pending}>
          {pending ? "Turning off…" : "Turn off two-factor sign-in"}
        </Button>
      </form>
    </div>
  );
}
