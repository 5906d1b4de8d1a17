"use client";
// The signed-in user's active sessions (/account): where and when each signed in, this one marked, and a
// button to end any other. Each button is a native form before hydration (components/native-form.tsx).
import { useRouter } from "next/navigation";
import { endSessionAction, endSessionForm } from "@/lib/auth/actions";
import { applyActionErrors } from "./action-result";
import { NativeFields, NativeStatus, useNativeForm } from "./native-form";
import { toast } from "./toast";
import { Badge, Button } from "./ui";

export type SessionView = { sid: string; ip: string | null; userAgent: string | null; createdAt: string; lastSeenAt: string; current: boolean };

const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** A short, readable name for a user agent: the browser and the system, or the raw text cut short. */
function browserName(ua: string | null): string {
  if (!ua) return "Unknown browser";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : null;
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : null;
  return browser || system ? [browser, system].filter(Boolean).join(" on ") : ua.slice(0, 60);
}

export function SessionList({ sessions }: { sessions: SessionView[] }) {
  if (sessions.length === 0) return <p className="text-sm text-slate-600">No sessions recorded yet (sessions started before this list existed are not shown).</p>;
  return (
    <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Active sessions">
      {sessions.map((s) => (
        <li key={s.sid} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm" data-testid="session-row" data-current={s.current ? "true" : undefined}>
          <div className="min-w-0">
            <p className="font-medium [overflow-wrap:anywhere]" title={s.userAgent ?? undefined}>
              {browserName(s.userAgent)} {s.current && <Badge tone="blue">this session</Badge>}
            </p>
            <p className="text-slate-600">
              {s.ip ?? "unknown address"} · signed in {when(s.createdAt)} · last active {when(s.lastSeenAt)}
            </p>
          </div>
          {!s.current && <EndSessionButton sid={s.sid} label={`${browserName(s.userAgent)}, ${s.ip ?? "unknown address"}`} />}
        </li>
      ))}
    </ul>
  );
}

function EndSessionButton({ sid, label }: { sid: string; label: string }) {
  const router = useRouter();
  const start = { sid };
  const native = useNativeForm(endSessionForm, start);
  return (
    <form
      action={native.action}
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await native.send(endSessionAction, { sid });
        if (!r.ok) return applyActionErrors(r);
        toast.success("Session ended: that browser is signed out.");
        router.refresh();
      }}
    >
      <NativeFields idempotencyKey={native.key} values={start} />
      <NativeStatus state={native.state} success="Session ended." />
      <Button type="submit" variant="secondary" aria-label={`End session: ${label}`}>
        End session
      </Button>
    </form>
  );
}
