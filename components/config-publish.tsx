"use client";
// Publish and roll back. A refusal by the compiler or by nginx -t is shown in full under the button
// (vhost, field or file and line), not only as a toast: the admin needs it to fix the vhost.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { PublishActionData } from "@/lib/config/actions";
import { publishConfigAction, rollbackConfigAction } from "@/lib/config/actions";
import type { PublishProblem, PublishRefusal } from "@/lib/config/service";
import { applyActionErrors } from "./action-result";
import { ConfirmButton } from "./confirm-dialog";
import { Button } from "./ui";
import { toast } from "./toast";
import { useIdempotentSend } from "./native-form";

function useOutcome() {
  const router = useRouter();
  const [refusal, setRefusal] = useState<PublishRefusal | null>(null);
  const handle = (data: Exclude<PublishActionData, { status: "preview-changed" }>) => {
    if (data.status === "refused") {
      setRefusal(data);
      toast.error(data.stage === "engine" ? "nginx -t refused the configuration: nothing was published." : "The compiler refused the configuration: nothing was published.");
      return;
    }
    setRefusal(null);
    if (data.status === "unchanged") {
      toast.info(data.message);
    } else {
      toast.success(`Published revision ${data.revision.number}: ${data.revision.summary}`);
      if (data.engineNote) toast.warning(data.engineNote, { duration: 10_000 });
    }
    router.refresh();
  };
  return { refusal, handle };
}

/** The config page's Publish: leads to the preview, where publishing happens (PublishFromPreview). */
export function PublishButton({ disabledReason }: { disabledReason?: string }) {
  if (disabledReason) {
    return (
      <>
        <Button type="button" disabled aria-describedby="publish-disabled-reason" title={disabledReason}>
          Publish
        </Button>
        {/* Visible, not only the button's tooltip: a disabled button cannot be hovered on a phone. */}
        <p id="publish-disabled-reason" className="max-w-xs text-sm text-slate-700" data-testid="publish-disabled-reason">
          {disabledReason}
        </p>
      </>
    );
  }
  return (
    <Link href="/config/preview" className="inline-flex items-center justify-center rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800">
      Publish
    </Link>
  );
}

/**
 * Publishes exactly the previewed bundle: the form sends back its content hash (`previewed`) and the
 * revision it was compared with. If either changed meanwhile nothing is published: the notice says so
 * and the page re-renders with the refreshed preview.
 */
export function PublishFromPreview({ latest, previewed, disabledReason }: { latest: number | null; previewed: string; disabledReason?: string }) {
  const router = useRouter();
  const { send } = useIdempotentSend();
  const { refusal, handle } = useOutcome();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <div className="space-y-3">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const r = await send(publishConfigAction, { basedOn: latest, previewed });
            if (!r.ok) return applyActionErrors(r);
            if (r.data.status === "preview-changed") {
              setNotice(r.data.message);
              toast.warning("The configuration changed since this preview: nothing was published.");
              router.refresh();
              return;
            }
            setNotice(null);
            handle(r.data);
            if (r.data.status !== "refused") router.push("/config");
          } finally {
            setBusy(false);
          }
        }}
      >
        <Button type="submit" disabled={busy || !!disabledReason} aria-describedby={disabledReason ? "preview-publish-reason" : undefined} title={disabledReason}>
          {busy ? "Publishing…" : `Publish revision ${(latest ?? 0) + 1}`}
        </Button>
        {disabledReason && (
          <p id="preview-publish-reason" className="mt-2 max-w-xs text-sm text-slate-700" data-testid="publish-disabled-reason">
            {disabledReason}
          </p>
        )}
      </form>
      {notice && (
        <p role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" data-testid="preview-changed">
          {notice}
        </p>
      )}
      {refusal && <RefusalPanel refusal={refusal} />}
    </div>
  );
}

export function RollbackButton({ revision, latest }: { revision: number; latest: number }) {
  const { send } = useIdempotentSend();
  const { refusal, handle } = useOutcome();
  return (
    <>
      <ConfirmButton
        label={`Roll back to revision ${revision}`}
        title={`Roll back to revision ${revision}?`}
        body={
          <>
            <p>
              This publishes a new revision {latest + 1} with exactly the configuration of revision {revision}. Revisions {revision + 1}–{latest} stay in the list.
            </p>
            <p>The stored vhosts and policies do not change: they will show as unpublished changes until you edit them back or publish again.</p>
          </>
        }
        confirmLabel="Roll back"
        onConfirm={async () => {
          const r = await send(rollbackConfigAction, { revision, basedOn: latest });
          if (!r.ok) return applyActionErrors(r);
          handle(r.data);
        }}
      />
      {refusal && (
        <div className="mt-2 text-left">
          <RefusalPanel refusal={refusal} />
        </div>
      )}
    </>
  );
}

function where(p: PublishProblem) {
  if (p.file) return `${p.file}${p.line ? `, line ${p.line}` : ""}`;
  if (p.field) return `field ${p.field}`;
  return null;
}

export function RefusalPanel({ refusal }: { refusal: PublishRefusal }) {
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900" data-testid="publish-refusal">
      <p className="font-medium">{refusal.stage === "engine" ? "nginx -t refused the configuration. Nothing was published." : "The compiler refused the stored configuration. Nothing was published."}</p>
      <ul className="mt-2 space-y-1">
        {refusal.problems.map((p, i) => (
          <li key={i}>
            {p.vhost && (
              <>
                {p.vhostId ? (
                  <Link href={`/vhosts/${p.vhostId}`} className="font-medium underline">
                    {p.vhost}
                  </Link>
                ) : (
                  <span className="font-medium">{p.vhost}</span>
                )}
                {" · "}
              </>
            )}
            {where(p) && <span className="font-mono text-xs">{where(p)}</span>}
            {(p.vhost || where(p)) && ": "}
            {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
