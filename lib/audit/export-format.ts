// How an audit event is written to an export file: CSV (for spreadsheets) or JSON Lines (for tools).
// Every column a reviewer needs, including prevHash and hash, so an export can be checked against the chain.
import type { HashedFields } from "./chain";

export type ExportFormat = "csv" | "jsonl";

export type ExportedEvent = Omit<HashedFields, "createdAt"> & { id: string; createdAt: Date; hash: string };

export const EXPORT_COLUMNS = [
  "seq",
  "createdAt",
  "actorEmail",
  "actorId",
  "action",
  "entityType",
  "entityId",
  "vhostId",
  "summary",
  "before",
  "after",
  "ip",
  "userAgent",
  "prevHash",
  "hash",
  "id",
] as const satisfies readonly (keyof ExportedEvent)[];

/**
 * One CSV cell (RFC 4180). A text starting with = + - @, a tab or a carriage return would be run as a
 * formula by spreadsheet programs (CSV injection), so it gets a leading single quote, which they show
 * as text. Numbers are written as they are.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  let text = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return EXPORT_COLUMNS.join(",") + "\r\n";
}

export function csvRow(e: ExportedEvent): string {
  return EXPORT_COLUMNS.map((c) => csvCell(e[c])).join(",") + "\r\n";
}

/** One JSON Lines record: the event as stored, createdAt in ISO 8601, columns in export order. */
export function jsonLine(e: ExportedEvent): string {
  const record = Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, c === "createdAt" ? e.createdAt.toISOString() : (e[c] ?? null)]));
  return JSON.stringify(record) + "\n";
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
};

/** palisade-audit-20261124-083012.csv */
export function exportFileName(format: ExportFormat, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `palisade-audit-${stamp}.${format}`;
}
