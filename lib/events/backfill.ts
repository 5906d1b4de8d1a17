// Client keys (lib/events/client-key.ts) for events stored before the column existed (migration
// 20261206130000_event_client_key), run by `npm run db:migrate` after the migrations: 1,000 rows per
// transaction, nothing to do (one indexed lookup) once every row has its key. Text that is not an IP
// address gets the empty key, which no filter range contains.
import "server-only";
import { db, dialect, Prisma } from "@/lib/db";
import { clientKey } from "./client-key";

const BATCH = 1000;

/** Fills in the missing client keys; returns how many rows it updated. */
export async function backfillClientKeys(): Promise<number> {
  const d = dialect();
  let updated = 0;
  for (;;) {
    const rows = await db.$queryRaw<{ id: string; clientAddress: string }[]>(
      Prisma.sql`SELECT "id", "clientAddress" FROM "WafEvent" WHERE "clientKey" IS NULL LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return updated;
    await db.$transaction(async (tx) => {
      for (const r of rows) {
        await tx.$executeRaw(Prisma.sql`UPDATE "WafEvent" SET "clientKey" = ${clientKey(r.clientAddress) ?? ""} WHERE "id" = ${d.uuid(String(r.id))}`);
      }
    });
    updated += rows.length;
  }
}
