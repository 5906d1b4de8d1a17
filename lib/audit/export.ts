// Export of the filtered audit log as CSV or JSON Lines, streamed: the rows are read in keyset batches
// as the client reads, so memory stays flat however many events match. The export is itself audited
// (who exported which filter) before the first byte goes out, and covers the events up to the chain head
// as it was at that moment, so the file is a consistent snapshot while others keep writing.
import { db } from "@/lib/db";
import { log } from "@/lib/log";
import { audited, type AuditContext } from "./audited";
import { csvHeader, csvRows, exportFileName, jsonLine, type ExportFormat } from "./export-format";
import { describeAuditFilter, type AuditFilter } from "./filters";
import { auditScope, auditSeqs, eventVhostDomains, type AuditScope } from "./queries";

export const EXPORT_BATCH_SIZE = 1000;

/** The export's text, one chunk per batch (the CSV header first): newest events first, as the list shows them. */
export async function* auditExportChunks(
  scope: AuditScope,
  format: ExportFormat,
  throughSeq: number,
  batchSize = EXPORT_BATCH_SIZE,
): AsyncGenerator<string> {
  if (format === "csv") yield csvHeader();
  let below: number | undefined;
  for (;;) {
    const seqs = await auditSeqs(scope, { below, atMost: throughSeq }, batchSize, "desc");
    if (seqs.length === 0) return;
    const stored = await db.auditEvent.findMany({ where: { seq: { in: seqs } }, orderBy: { seq: "desc" } });
    const domains = await eventVhostDomains(stored);
    const rows = stored.map((e, i) => ({ ...e, vhostDomain: domains[i] ?? null }));
    yield format === "csv" ? csvRows(rows) : rows.map(jsonLine).join("");
    if (seqs.length < batchSize) return;
    below = seqs.at(-1)!;
  }
}

export type AuditExport = { stream: ReadableStream<Uint8Array>; fileName: string; throughSeq: number; auditSeq: number };

/** Records the export in the audit log, then returns the stream of its content. */
export async function startAuditExport(
  ctx: AuditContext,
  filter: AuditFilter,
  format: ExportFormat,
  options: { batchSize?: number; now?: Date } = {},
): Promise<AuditExport> {
  const now = options.now ?? new Date();
  const fileName = exportFileName(format, now);
  const { throughSeq, auditSeq } = await audited(ctx, async (tx) => {
    // The head is claimed by audited() already: this is the last event before the export's own.
    const head = await tx.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const through = head.lastSeq - 1;
    return {
      result: { throughSeq: through, auditSeq: head.lastSeq },
      audit: {
        action: "audit.export",
        entityType: "AuditLog",
        entityId: "export",
        summary: `Exported the audit log as ${format === "csv" ? "CSV" : "JSON Lines"} (${describeAuditFilter(filter)}), events through #${through}`,
        after: { format, filter, throughSeq: through, fileName },
      },
    };
  });
  const scope = await auditScope(filter);
  const chunks = auditExportChunks(scope, format, throughSeq, options.batchSize);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      // One batch per pull: the next is read only when the client has taken the last one.
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (err) {
          void log.error("audit export failed while streaming", { error: err, fileName });
          controller.error(err);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
  return { stream, fileName, throughSeq, auditSeq };
}
