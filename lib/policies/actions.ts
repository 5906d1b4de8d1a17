"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { IpBulkSchema } from "./cidr";
import { WafPolicySchema } from "./policy";
import { addIpEntries, removeIpEntry, updatePolicy } from "./service";

const VhostId = z.object({ vhostId: z.uuid() });

export const updatePolicyAction = defineAction("updatePolicyAction", "policy.write", z.intersection(WafPolicySchema, VhostId), async (input, { audit }) => {
  const p = await updatePolicy(audit, input);
  revalidatePath(`/vhosts/${input.vhostId}`, "layout");
  revalidatePath("/vhosts");
  return { version: p.version };
});

export const addIpEntriesAction = defineAction("addIpEntriesAction", "policy.write", IpBulkSchema.extend({ ...VhostId.shape, fromEvent: z.uuid("Unknown WAF event.").optional() }), async (input, { audit }) => {
  const r = await addIpEntries(audit, input);
  revalidatePath(`/vhosts/${input.vhostId}`, "layout");
  // Only what the form needs: per-line outcome, no parsed internals.
  return {
    addedCount: r.addedCount,
    lines: r.report.lines.map((l) =>
      l.status === "added"
        ? { line: l.line ?? null, input: l.input, status: "added" as const, cidr: l.cidr.canonical, message: l.warnings.join(" ") }
        : { line: l.line ?? null, input: l.input, status: "refused" as const, cidr: null, message: l.reason },
    ),
  };
});

export const removeIpEntryAction = defineAction("removeIpEntryAction", "policy.write", VhostId.extend({ id: z.uuid() }), async (input, { audit }) => {
  const r = await removeIpEntry(audit, input);
  revalidatePath(`/vhosts/${input.vhostId}`, "layout");
  return r;
});

/** The policy and IP-list forms' native submissions (before the page has hydrated): the same actions. */
export const updatePolicyForm = nativeForm(updatePolicyAction);
export const addIpEntriesForm = nativeForm(addIpEntriesAction);
