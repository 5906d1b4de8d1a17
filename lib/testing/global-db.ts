// Vitest globalSetup of the integration projects: one migrated template database per run,
// dropped (with every copy made from it) when the run ends.
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import Database from "better-sqlite3";
import { migrate } from "../db/migrate";
import { newRunId, pgAdmin, pgUrl, sqliteRunDir, templateName, type TestDbKind } from "./test-db";

declare module "vitest" {
  export interface ProvidedContext {
    dbRunId: string;
  }
}

export default async function setup(project: TestProject) {
  const kind = (project.config.env?.TEST_DB ?? "sqlite") as TestDbKind;
  const runId = newRunId();
  project.provide("dbRunId", runId);
  if (kind === "postgres") {
    const tpl = templateName(runId);
    await pgAdmin((c) => c.query(`CREATE DATABASE "${tpl}"`));
    await migrate(pgUrl(tpl));
    return async () => {
      await pgAdmin(async (c) => {
        const { rows } = await c.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
          [`palisade\\_t\\_${runId}\\_%`, tpl],
        );
        for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
      });
    };
  }
  const dir = sqliteRunDir(runId);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "template.db");
  await migrate(`file:${file}`);
  // Fold the WAL into the main file so a plain copy is a complete database.
  const s = new Database(file);
  s.pragma("wal_checkpoint(TRUNCATE)");
  s.close();
  return async () => fs.rmSync(dir, { recursive: true, force: true });
}
