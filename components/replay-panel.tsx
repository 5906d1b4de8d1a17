"use client";
// "Replay traffic" on the publish preview: starts a replay of the unpublished configuration against the
// live revision (lib/replay), shows its progress while it runs (polling GET /api/replay/<id>), lets it be
// cancelled, and shows the report when it is done.
import { useEffect, useState } from "react";
import { cancelReplayAction, startReplayAction } from "@/lib/replay/actions";
import type { ReplayReport } from "@/lib/replay/plan";
import { applyActionErrors } from "./action-result";
import { useIdempotentSend } from "./native-form";
import { ReplayReportView } from "./replay-report";
import { Button } from "./ui";

export type ReplayRunJson = {
  id: string;
  status: "running" | "done" | "failed" | "cancelled" | "interrupted";
  baseRevision: number | null;
  total: number;
  done: number;
  report: ReplayReport | null;
  error: string | null;
  createdByEmail: string;
};

const POLL_MS = 700;

export function ReplayPanel({
  initial,
  canRun,
  engineMessage,
  candidateHash,
  basedOn,
}: {
  initial: ReplayRunJson | null;
  canRun: boolean;
  engineMessage: string | null;
  /** What the preview shows: the replay is refused if the configuration moved since. */
  candidateHash: string;
  basedOn: number | null;
}) {
  const { send } = useIdempotentSend();
  const [run, setRun] = useState<ReplayRunJson | null>(initial);
  const [busy, setBusy] = useState(false);
  const running = run?.status === "running";

  useEffect(() => {
    if (!running || !run) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const res = await fetch(`/api/replay/${run.id}`, { cache: "no-store" });
        if (!res.ok || stopped) return;
        const next = (await res.json()) as ReplayRunJson;
        if (!stopped) setRun(next);
      } catch {
        // the next tick asks again
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running, run?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  async function start() {
    setBusy(true);
    try {
      const r = await send(startReplayAction, { candidateHash, basedOn });
      if (!r.ok) return applyActionErrors(r);
      setRun({ id: r.data.id, status: "running", baseRevision: null, total: 0, done: 0, report: null, error: null, createdByEmail: "" });
    } finally {
      setBusy(false);
    }
  }

  async function cancel() {
    if (!run) return;
    setBusy(true);
    try {
      const r = await send(cancelReplayAction, { id: run.id });
      if (!r.ok) return applyActionErrors(r);
      setRun({ ...run, status: "cancelled" });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="replay-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="replay-panel">
      <h2 id="replay-heading" className="text-lg font-semibold">Impact of this change on traffic</h2>
      <p className="text-sm text-slate-700">
        Replays recent stored requests of the changed virtual hosts and a built-in set of benign requests and common attacks through the live revision and
        through this change, side by side in the real engine on the panel&apos;s machine (to a local stub, never to your backends).
      </p>
      {engineMessage ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="replay-engine-missing">
          The replay needs the WAF engine on the panel&apos;s machine. {engineMessage}
        </p>
      ) : (
        <div className="flex flex-wrap items-center gap-3">
          {canRun ? (
            <Button type="button" variant={run?.status === "done" ? "secondary" : "primary"} onClick={start} disabled={busy || running}>
              {run ? "Replay again" : "Replay traffic"}
            </Button>
          ) : (
            <p className="text-sm text-slate-700">Only an admin or an editor can run a replay.</p>
          )}
          {running && canRun && (
            <Button type="button" variant="secondary" onClick={cancel} disabled={busy}>
              Cancel replay
            </Button>
          )}
        </div>
      )}
      {run && running && (
        <div role="status" aria-live="polite" className="text-sm" data-testid="replay-progress">
          <progress className="mr-2 align-middle" value={run.done} max={Math.max(run.total, 1)} aria-label="Replay progress" />
          Replaying… {run.total ? `${run.done.toLocaleString("en-US")} of ${run.total.toLocaleString("en-US")} requests` : "starting the engines"}
        </div>
      )}
      {run?.status === "cancelled" && <p role="status" className="text-sm text-slate-700">The replay was cancelled.</p>}
      {(run?.status === "failed" || run?.status === "interrupted") && (
        <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900">
          The replay did not finish: {run.error ?? "unknown error"}
        </p>
      )}
      {run?.status === "done" && run.report && <ReplayReportView report={run.report} baseRevision={run.baseRevision} />}
    </section>
  );
}
