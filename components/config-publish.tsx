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
import { toast } from "./toast";
import { useIdempotentSend } from "./native-form";

function useOutcome() {
  const router = useRouter();
  const [refusal, setRefusal] = useState<PublishRefusal | null>(null);
  const handle = (data: PublishActionData) => {
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

export function PublishButton({ latest, disabledReason, pendingSummary }: { latest: number | null; disabledReason?: string; pendingSummary: string }) {
  const { send } = useIdempotentSend();
  const { refusal, handle } = useOutcome();
  return (
    <div className="space-y-3">
      <ConfirmButton
        label="Publish"
        title={`Publish revision ${(latest ?? 0) + 1}?`}
        body={
          <>
            <p>{pendingSummary}</p>
            <p>The configuration is compiled and checked now; the WAF nodes pull it on their next round and reload nginx.</p>
          </>
        }
        confirmLabel="Publish"
        variant="primary"
        triggerVariant="primary"
        disabled={!!disabledReason}
        disabledReason={disabledReason}
        onConfirm={async () => {
          const r = await send(publishConfigAction, { basedOn: latest });
          if (!r.ok) return applyActionErrors(r);
          handle(r.data);
        }}
      />
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
