// Vitest setupFile of the integration projects: each test file gets its own fresh migrated database,
// pointed to by DATABASE_URL before any test code touches lib/db, and dropped after the file.
import { afterAll, inject, vi } from "vitest";
import { disconnectDb } from "../db";
import { cloneTemplate, type TestDbKind } from "./test-db";

const kind = (process.env.TEST_DB ?? "sqlite") as TestDbKind;
const { url, drop } = await cloneTemplate(kind, inject("dbRunId"));
process.env.DATABASE_URL = url;

afterAll(async () => {
  await disconnectDb();
  await drop();
});

// Server actions call revalidatePath after a change; outside a Next.js request there is no cache to
// revalidate (Next throws an invariant error), so tests that call actions directly get a no-op.
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {}, updateTag: () => {} }));
