import path from "node:path";
import { defineConfig } from "vitest/config";

// Three projects: pure unit tests, and the integration tests twice, once on each database.
// Integration files end in .int.test.ts; lib/testing/db-setup.ts gives each file a fresh migrated database.
// `import "server-only"` throws outside React's server build (lib/*/service.ts, queries.ts, lib/db…): the tests run
// those modules in plain Node, so it resolves to the marker's empty module here, as Next does on the server.
const root = path.dirname(new URL(import.meta.url).pathname);
const alias = { "@": root, "server-only": path.join(root, "node_modules/next/dist/compiled/server-only/empty.js") };
const integration = (db: "sqlite" | "postgres") => ({
  resolve: { alias },
  test: {
    name: `int-${db}`,
    include: ["lib/**/*.int.test.ts"],
    env: { TEST_DB: db },
    globalSetup: ["lib/testing/global-db.ts"],
    setupFiles: ["lib/testing/db-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.ts"], exclude: ["**/*.int.test.ts", "node_modules/**"] },
      },
      integration("sqlite"),
      integration("postgres"),
    ],
  },
});
