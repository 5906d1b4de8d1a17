// Receipts of changes made through forms (lib/forms/idempotency.ts says why). audited() writes one in the
// change's own transaction, after the chain head is claimed: audited transactions are serialized by that
// claim, so of two concurrent submissions with the same key the second finds the first's receipt and
// returns its result. A receipt holds the result the change's service got from audited(); a retry runs
// the same action again, and audited() hands that stored result back instead of applying the change, so
// what the action makes of it (the form's answer) is made the same way. Secrets are never stored: hashes
// are left out, and a retry of a change that showed a secret once (a node token) says it was applied and how to go on.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { AppError } from "@/lib/errors";
import { db, type Tx } from "@/lib/db";

/**
 * One action's key, for the audited() calls it makes (counted by `calls`, in order). `input` fingerprints
 * what was sent: the same key with other values (the user changed the form after a lost answer) is a new
 * change, which then meets the usual checks (a stale version is a conflict).
 */
export type IdempotencyScope = { userId: string; key: string; action: string; input: string; calls: number };

/** The fingerprint of an action's parsed input. Passwords and other secrets are left out: they never reach storage, not even hashed. */
export function inputFingerprint(input: unknown): string {
  const plain = JSON.parse(JSON.stringify(input, (key, v) => (key && /password|secret|token/i.test(key) ? undefined : v)) ?? "null");
  return createHash("sha256").update(canonicalize(plain) ?? "null").digest("base64url");
}

/** How long a receipt is kept: a retry comes within minutes; a day covers a laptop closed overnight. */
export const RECEIPT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Fields never stored: hashes of secrets (left out), and secrets shown once (marked, so a replay can say so). */
const HASH_KEY = /hash$/i;
const SHOWN_ONCE_KEY = /^(token|password|secret)$/i;
const SECRET = "$secret";
const DATE = "$date";

/** JSON with dates kept as dates and secrets left out. */
export function encodeResult(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    if (key && /password|secret|token/i.test(key) && HASH_KEY.test(key)) return undefined;
    if (key && SHOWN_ONCE_KEY.test(key) && v !== null && v !== undefined) return { [SECRET]: true };
    const raw = key ? this[key] : v;
    if (raw instanceof Date) return { [DATE]: raw.toISOString() };
    if (typeof v === "bigint") return Number(v);
    return v;
  }) ?? "null";
}

export class ReceiptWithSecret extends AppError {
  constructor() {
    super("This change was already applied by your first attempt, whose answer was lost. Its secret is shown only once: reload the page and create a new one (rotate the token, reset the password) if you need it.");
  }
}

export function decodeResult(text: string): unknown {
  let secret = false;
  const value = JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (v[SECRET] === true && Object.keys(v).length === 1) secret = true;
      if (typeof v[DATE] === "string" && Object.keys(v).length === 1) return new Date(v[DATE]);
    }
    return v;
  });
  if (secret) throw new ReceiptWithSecret();
  return value;
}

type Client = Pick<Tx, "idempotencyReceipt">;

/** The stored result of this scope's `step`-th audited change, or undefined when there is none. */
export async function findReceipt(client: Client, scope: IdempotencyScope, step: number): Promise<{ found: false } | { found: true; result: unknown }> {
  const row = await client.idempotencyReceipt.findUnique({ where: { userId_key_step: { userId: scope.userId, key: scope.key, step } } });
  if (!row || Date.now() - row.createdAt.getTime() > RECEIPT_RETENTION_MS || row.input !== scope.input) return { found: false };
  if (row.action !== scope.action) throw new AppError("This form was already used for another change. Reload the page and try again.");
  return { found: true, result: decodeResult(row.result) };
}

export async function writeReceipt(tx: Tx, scope: IdempotencyScope, step: number, result: unknown) {
  // A receipt past its retention with the same key (practically never: keys are random) makes way.
  await tx.idempotencyReceipt.deleteMany({ where: { userId: scope.userId, key: scope.key, step } });
  await tx.idempotencyReceipt.create({ data: { userId: scope.userId, key: scope.key, step, action: scope.action, input: scope.input, result: encodeResult(result) } });
}

/** Deletes receipts past their retention (npm run db:prune). */
export async function pruneReceipts(now = new Date()) {
  const before = new Date(now.getTime() - RECEIPT_RETENTION_MS);
  const { count } = await db.idempotencyReceipt.deleteMany({ where: { createdAt: { lt: before } } });
  return { before, deleted: count };
}
