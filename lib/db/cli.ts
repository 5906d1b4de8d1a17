// Developer commands: `npm run db:migrate`, `npm run db:seed`, `npm run db:setup` (both).
import { db, databaseUrl, dbKindOf, disconnectDb } from "./index";
import { migrate } from "./migrate";
import { createUser } from "@/lib/users/service";

/** Development-only demo accounts (the README lists them). Production creates its own admin. */
export const DEMO_USERS = [
  { email: "admin@palisade.local", name: "Demo Admin", role: "ADMIN", password: "palisade-admin" },
  { email: "editor@palisade.local", name: "Demo Editor", role: "EDITOR", password: "palisade-editor" },
  { email: "auditor@palisade.local", name: "Demo Auditor", role: "AUDITOR", password: "palisade-auditor" },
] as const;

function redact(url: string) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

async function runMigrate() {
  const url = databaseUrl();
  const r = await migrate(url);
  console.log(`${dbKindOf(url)} ${redact(url)}: ${r.applied.length ? `applied ${r.applied.join(", ")}` : "up to date"} (${r.alreadyApplied.length + r.applied.length} migrations)`);
}

async function runSeed() {
  if (process.env.NODE_ENV === "production" && !process.env.PALISADE_SEED_DEMO) {
    console.log("Production: demo accounts are not created (set PALISADE_SEED_DEMO=1 to override).");
    return;
  }
  const ctx = { actor: { id: null, email: "system:seed" } };
  for (const u of DEMO_USERS) {
    if (await db.user.findUnique({ where: { email: u.email } })) continue;
    await createUser(ctx, u);
    console.log(`created ${u.role.toLowerCase()} ${u.email} (password: ${u.password})`);
  }
}

async function main() {
  const cmd = process.argv[2];
  try {
    if (cmd === "migrate") await runMigrate();
    else if (cmd === "seed") await runSeed();
    else if (cmd === "setup") {
      await runMigrate();
      await runSeed();
    } else {
      console.error("usage: tsx lib/db/cli.ts migrate|seed|setup");
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(`db ${cmd} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await disconnectDb();
  }
}

void main();
