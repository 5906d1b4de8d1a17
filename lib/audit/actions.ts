"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { archiveAuditEvents } from "./archive";
import { ArchiveAuditSchema } from "./schema";

export const archiveAuditAction = defineAction("archiveAuditAction", "audit.archive", ArchiveAuditSchema, async (input, { audit }) => {
  const r = await archiveAuditEvents(audit, { olderThanDays: input.olderThanDays });
  revalidatePath("/audit");
  return { fromSeq: r.fromSeq, throughSeq: r.throughSeq, eventCount: r.eventCount, fileName: r.fileName, more: r.more };
});
