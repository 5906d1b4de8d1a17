// What every benchmark part gets: the database (through Prisma via lib/db, and bare), how many runs,
// and a header line naming the machine, the database and the data the figures were measured on.
import type { DbKind, Dialect } from "@/lib/db";
import type { RawDb } from "@/lib/db/raw";
import type { Section } from "./report";

export type BenchOptions = {
  runs: number;
  warmup: number;
  /** A built checkout for the HTTP parts (d, e) and the bundle sizes (f). */
  appDir: string;
  /** A server that already runs that build; otherwise the bench starts `next start` itself. */
  baseUrl: string | null;
  /** Appended to the section keys, e.g. "before", so a snapshot survives the next run. */
  label: string | null;
};

export type BenchContext = {
  url: string;
  /** Section keys ("postgres:a"); what differs between the databases is `dialect`'s. */
  kind: DbKind;
  dialect: Dialect;
  raw: RawDb;
  options: BenchOptions;
  /** "PostgreSQL 15.4" or "SQLite 3.46.0". */
  dbVersion: string;
  counts: { vhosts: number; events: number };
  /** Machine, date and database, for the top of a section. */
  header(extra?: string): string;
};

export type Part = (ctx: BenchContext) => Promise<Section[]>;
