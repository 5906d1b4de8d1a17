// Database commands: `npm run db:migrate`, `npm run db:seed` (demo users, development only),
// `npm run db:setup` (both), `npm run db:bootstrap` (production: migrate, then the first admin from env,
// then the retention prune), `npm run db:prune` (sign-in attempts, receipts, ended node-API failure windows and WAF events past their
// retention: lib/auth/login-retention.ts, lib/nodes/rate-limit.ts, lib/events/retention.ts).
// Here and not in lib/db: setting up writes domain data (built-in templates, users) through the domains'
// services, and the database layer depends on no domain.
import { pruneLoginAttempts } from "@/lib/auth/login-retention";
import { pruneEvents } from "@/lib/events/retention";
import { databaseLabel, databaseUrl, db, disconnectDb } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";
import { backfillClientKeys } from "@/lib/events/backfill";
import { assertMigrated } from "@/lib/db/ready";
import { ensureBuiltInTemplates } from "@/lib/templates/service";
import { createUser } from "@/lib/users/service";
import { pruneReceipts } from "@/lib/audit/idempotency";
import { AUTH_FAILURE_WINDOW_MS, pruneNodeAuthFailures } from "@/lib/nodes/rate-limit";

/** Development-only demo accounts (the README lists them). Production creates its own admin. */
export const DEMO_USERS = [
  { email: "admin@palisade.local", name: "Demo Admin", role: "ADMIN", password: "palisade-admin" },
  { email: "editor@palisade.local", name: "Demo Editor", role: "EDITOR", password: "palisade-editor" },
  { email: "auditor@palisade.local", name: "Demo Auditor", role: "AUDITOR", password: "palisade-auditor" },
] as const;

/**
 * The migrations, then the built-in policy templates: they are part of the schema's content, not demo
 * data, so every environment gets them here (idempotent, audited) and no page ever has to write them.
 */
async function runMigrate() {
  const url = databaseUrl();
  const r = await migrate(url);
  console.log(`${databaseLabel(url)}: ${r.applied.length ? `applied ${r.applied.join(", ")}` : "up to date"} (${r.alreadyApplied.length + r.applied.length} migrations)`);
  const templates = await ensureBuiltInTemplates({ actor: { id: null, email: "system:migrate" } });
  if (templates.created.length || templates.updated.length) {
    console.log(`built-in templates: created ${templates.created.join(", ") || "none"}; updated ${templates.updated.join(", ") || "none"}`);
  }
  const keyed = await backfillClientKeys();
  if (keyed) console.log(`WAF events: client keys filled in for ${keyed} ${keyed === 1 ? "event" : "events"} stored before the CIDR filter`);
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

/**
 * Production bootstrap: the first admin comes from PALISADE_ADMIN_EMAIL / PALISADE_ADMIN_PASSWORD,
 * created only while the database has no admin at all (docker-compose runs this on every start).
 */
async function runBootstrap() {
  const email = process.env.PALISADE_ADMIN_EMAIL?.trim().toLowerCase();
  const password = process.env.PALISADE_ADMIN_PASSWORD ?? "";
  if (await db.user.count({ where: { role: "ADMIN", disabled: false } })) return;
  if (!email || password.length < 12) {
    console.log("No admin exists yet: set PALISADE_ADMIN_EMAIL and PALISADE_ADMIN_PASSWORD (12+ characters) to create the first one.");
    return;
  }
  await createUser({ actor: { id: null, email: "system:bootstrap" } }, { email, name: "Administrator", role: "ADMIN", password });
  console.log(`created admin ${email}`);
}

async function runPrune() {
  const r = await pruneLoginAttempts();
  console.log(`sign-in attempts before ${r.before.toISOString()}: ${r.deleted} deleted (audit events follow the audit archive, not this prune)`);
  const receipts = await pruneReceipts();
  console.log(`idempotency receipts before ${receipts.before.toISOString()}: ${receipts.deleted} deleted`);
  const nodeFailures = await pruneNodeAuthFailures(AUTH_FAILURE_WINDOW_MS);
  console.log(`node-API failure windows ended before ${nodeFailures.before.toISOString()}: ${nodeFailures.deleted} deleted`);
  const events = await pruneEvents();
  console.log(`WAF events before ${events.before.toISOString()}: ${events.events} deleted (${events.matches} rule matches, ${events.rollupRows} hourly rollup rows)`);
}

async function main() {
  const cmd = process.argv[2];
  try {
    if (cmd === "migrate") await runMigrate();
    else if (cmd === "seed") {
      await assertMigrated();
      await runSeed();
    }
    else if (cmd === "bootstrap") {
      await runMigrate();
      await runBootstrap();
      await runPrune();
    } else if (cmd === "prune") await runPrune(); else if (cmd === "setup") {
      await runMigrate();
      await runSeed();
    } else {
      console.error("usage: tsx lib/setup/cli.ts migrate|seed|setup|bootstrap|prune");
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
