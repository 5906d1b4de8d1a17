// How an audit event is written to an export file: CSV (for spreadsheets) or JSON Lines (for tools).
// Every column a reviewer needs, including prevHash and hash, so an export can be checked against the chain.
import { stringify, type Options } from "csv-stringify/sync";
import type { HashedFields } from "./chain";

export type ExportFormat = "csv" | "jsonl";

export type StoredEvent = Omit<HashedFields, "createdAt"> & { id: string; createdAt: Date; hash: string };
/** An event as exported: the stored row, and the domain of its virtual host (null when it has none or it cannot be told). */
export type ExportedEvent = StoredEvent & { vhostDomain: string | null };

/** The stored row's columns: what an archive file holds (lib/audit/archive.ts), one line per event. */
export const STORED_COLUMNS = [
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
] as const satisfies readonly (keyof StoredEvent)[];

/** An export's columns: the stored ones, with the vhost's domain beside its id (reviewers read domains, not ids). */
export const EXPORT_COLUMNS = [...STORED_COLUMNS.slice(0, 8), "vhostDomain", ...STORED_COLUMNS.slice(8)] as const satisfies readonly (keyof ExportedEvent)[];

/**
 * CSV (RFC 4180, CRLF) by csv-stringify. A text starting with = + - @, a tab or a carriage return (or
 * their full-width forms) would be run as a formula by spreadsheet programs (CSV injection), so it gets
 * a leading single quote, which they show as text (`escape_formulas`). Numbers are written as they are;
 * dates in ISO 8601, objects as JSON, nothing as an empty cell; a cell with leading or trailing space is
 * quoted so that no reader trims it.
 * The synchronous stringifier is used once per batch: the export already streams one keyset batch per
 * read of the client (lib/audit/export.ts), and csv-stringify's stream would buffer rows past that.
 */
const CSV_OPTIONS = {
  escape_formulas: true,
  quoted_match: /^\s|\s$/,
  record_delimiter: "windows",
  quote_record_delimiter: true, // a lone \n or \r in a cell is quoted too (the default only quotes \r\n once a delimiter is set)
  cast: { boolean: (v: boolean) => String(v), date: (d: Date) => d.toISOString(), object: (o: object) => JSON.stringify(o) },
} satisfies Options;

/** One CSV cell, as it appears in a row. */
export function csvCell(value: unknown): string {
  return stringify([[value]], CSV_OPTIONS).replace(/\r\n$/, "");
}

export function csvHeader(): string {
  return stringify([], { ...CSV_OPTIONS, header: true, columns: [...EXPORT_COLUMNS] });
}

/** The CSV records of some events, in export column order (no header). */
export function csvRows(events: ExportedEvent[]): string {
  return stringify(events.map((e) => EXPORT_COLUMNS.map((c) => e[c])), CSV_OPTIONS);
}

export function csvRow(e: ExportedEvent): string {
  return csvRows([e]);
}

/** One JSON Lines record: the event as exported, createdAt in ISO 8601, columns in export order. */
export function jsonLine(e: ExportedEvent): string {
  return jsonRecord(e, EXPORT_COLUMNS);
}

/** One archive line: the event exactly as stored, columns in stored order. */
export function storedJsonLine(e: StoredEvent): string {
  return jsonRecord(e, STORED_COLUMNS);
}

function jsonRecord<E extends StoredEvent>(e: E, columns: readonly (keyof E & string)[]): string {
  const record = Object.fromEntries(columns.map((c) => [c, c === "createdAt" ? e.createdAt.toISOString() : (e[c] ?? null)]));
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
