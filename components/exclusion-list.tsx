"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { describeExclusion, type RuleExclusionKind } from "@/lib/rules/exclusion-fields";
import type { RuleExclusion, StoredExclusion } from "@/lib/rules/exclusions";
import { deleteExclusionAction } from "@/lib/rules/actions";
import { applyActionErrors } from "./action-result";
import { toast } from "./toast";
import { Badge, Button } from "./ui";
import { useIdempotentSend } from "./native-form";

export type ExclusionRow = StoredExclusion & { id: string };

/** The stored row (nulls for unused fields) as the validator's type, to describe it the same way everywhere. */
function describeRow(row: ExclusionRow): string {
  const common = { pathPrefix: row.pathPrefix ?? undefined, note: row.note ?? undefined };
  const ruleId = row.ruleId ?? 0;
  const tag = row.tag ?? "";
  const target = row.target ?? "";
  const exclusion: RuleExclusion =
    row.kind === "REMOVE_BY_ID"
      ? { kind: row.kind, ruleId, ruleIdEnd: row.ruleIdEnd ?? undefined, ...common }
      : row.kind === "REMOVE_BY_TAG"
        ? { kind: row.kind, tag, ...common }
        : row.kind === "REMOVE_TARGET_BY_ID"
          ? { kind: row.kind, ruleId, target, ...common }
          : { kind: row.kind, tag, target, ...common };
  return describeExclusion(exclusion);
}

export function ExclusionList({ vhostId, domain, exclusions, canWrite }: { vhostId: string; domain: string; exclusions: ExclusionRow[]; canWrite: boolean }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  const [pending, setPending] = useState(false);

  async function remove(row: ExclusionRow, description: string) {
    if (pending) return;
    if (!window.confirm(`Delete the exclusion "${description}" from ${domain}? The rule will inspect these requests again. The audit log keeps a copy.`)) return;
    setPending(true);
    const result = await send(deleteExclusionAction, { vhostId, id: row.id });
    setPending(false);
    if (result.ok) toast.success(`Deleted exclusion: ${description}.`);
    else applyActionErrors(result);
    router.refresh();
  }

  if (exclusions.length === 0) {
    return (
      <p className="rounded-md border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="exclusions-empty">
        No exclusions on {domain}: every CRS rule inspects every request.
        {canWrite
          ? " When a rule blocks legitimate traffic (a false positive in the WAF log), add an exclusion below for that rule id and, if you can, only for the input and path concerned."
          : " Editors and administrators can add them."}
      </p>
    );
  }

  return (
    <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white" aria-label="Exclusions">
      {exclusions.map((row) => {
        const description = describeRow(row);
        return (
          <li key={row.id} className="flex flex-wrap items-center gap-3 px-4 py-2 text-sm" data-testid="exclusion">
            <Badge tone={row.target ? "blue" : "amber"}>{row.target ? "Input ignored" : "Rule off"}</Badge>
            <span className="font-mono text-xs">{description}</span>
            <span className="flex-1 text-xs text-slate-500">{row.note}</span>
            {canWrite && (
              <Button type="button" variant="danger" aria-label={`Delete exclusion: ${description}`} onClick={() => remove(row, description)}>
                Delete
              </Button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
