// `npx tsx e2e/prepare-db.ts <project>`: the first step of each e2e web server's command (playwright.config.ts),
// so that its database is fresh, migrated and seeded before its panel starts (e2e/databases.ts prepareDatabase).
import { E2E_DATABASES, prepareDatabase } from "./databases";

const d = E2E_DATABASES.find((x) => x.project === process.argv[2]);
if (!d) {
  console.error(`usage: tsx e2e/prepare-db.ts <${E2E_DATABASES.map((x) => x.project).join(" | ")}>`);
  process.exit(64);
}
prepareDatabase(d).then(
  (out) => console.log(out),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
