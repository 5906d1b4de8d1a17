// Vitest setupFile of the integration projects: each test file gets its own fresh migrated database,
// pointed to by DATABASE_URL before any test code touches lib/db, and dropped after the file.
import { afterAll, inject } from "vitest";
import { disconnectDb } from "../db";
import { cloneTemplate, type TestDbKind } from "./test-db";

const kind = (process.env.TEST_DB ?? "sqlite") as TestDbKind;
const { url, drop } = await cloneTemplate(kind, inject("dbRunId"));
process.env.DATABASE_URL = url;

afterAll(async () => {
  await disconnectDb();
  await drop();
});
