// Used by the Prisma CLI only (generate; migrate deploy/status on machines that have Prisma's engine).
// The panel itself picks its database in lib/db; migrations are applied by lib/db/migrate.ts.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./dev.db" },
});
