// The child process of lib/config/publish-kill.int.test.ts: publishes the stored state once on the
// database in DATABASE_URL, as a panel instance would. With PALISADE_TEST_PAUSE_AT it stops at that point
// of the publish (lib/testing/fault-injection.ts) and waits to be killed; otherwise it prints the outcome.
//   tsx lib/testing/publish-child.ts <basedOn revision number | none>
import { publishConfig } from "@/lib/config/service";
import { disconnectDb } from "@/lib/db";
import { admin, passingChecker } from "./config-fixtures";

async function main() {
  const basedOn = process.argv[2] === "none" ? null : Number(process.argv[2]);
  const out = await publishConfig(admin, { basedOn, checker: passingChecker });
  process.stdout.write(`outcome ${out.status}${out.status === "published" ? ` ${out.revision.number}` : ""}\n`);
  await disconnectDb();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
