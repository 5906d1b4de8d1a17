import { dropPgDatabase } from "../lib/testing/test-db";
import { E2E_DATABASES, removeSqlite } from "./databases";

// Only this run's databases: runs on other ports share .test-dbs and the PostgreSQL server.
// The web servers still run here (Playwright stops them after the teardown), hence DROP … WITH (FORCE).
export default async function globalTeardown() {
  for (const d of E2E_DATABASES) {
    if (d.kind === "postgres") await dropPgDatabase(d.name);
    else removeSqlite(d.file);
  }
}
