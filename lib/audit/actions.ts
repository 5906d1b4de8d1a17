"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { archiveAuditEvents } from "./archive";
import { ArchiveAuditSchema } from "./schema";

export const archiveAuditAction = defineAction("archiveAuditAction", "audit.archive", ArchiveAuditSchema, async (input, { audit }) => {
  const r = await archiveAuditEvents(audit, { olderThanDays: input.olderThanDays });
  revalidatePath("/audit");
  return { fromSeq: r.fromSeq, throughSeq: r.throughSeq, eventCount: r.eventCount, fileName: r.fileName, more: r.more };
});

/** The archive form's native submission (before the page has hydrated): the same action. */
export const archiveAuditForm = nativeForm(archiveAuditAction);
