// The idempotency key a form sends with its change: made when the form renders, kept while the answer is
// unknown (a retry sends the same key) and renewed after a success. The server (defineAction, audited())
// records a receipt with the change, so a retry of a submission whose answer was lost — the connection
// dropped after COMMIT — returns the first result instead of applying twice or conflicting with itself.
// Client-safe: no server imports.

/** The field that carries the key, in a hydrated call's input object and in a native form's FormData. */
export const IDEMPOTENCY_FIELD = "$key";

const KEY_PATTERN = /^[A-Za-z0-9-]{16,64}$/;

/** 128 random bits as hex. getRandomValues, not randomUUID: the latter needs a secure context (a panel on plain http has none). */
export function newIdempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Splits the key off an action's raw input; a key that is not a plain token is ignored (the change then simply has none). */
export function takeIdempotencyKey(raw: unknown): { input: unknown; key: string | null } {
  if (!raw || typeof raw !== "object" || Array.isArray(raw) || !(IDEMPOTENCY_FIELD in raw)) return { input: raw, key: null };
  const { [IDEMPOTENCY_FIELD]: key, ...input } = raw as Record<string, unknown>;
  return { input, key: typeof key === "string" && KEY_PATTERN.test(key) ? key : null };
}

/** The input with the key added (what a form sends). */
export function withIdempotencyKey<I>(input: I, key: string): I {
  return { ...(input as object), [IDEMPOTENCY_FIELD]: key } as I;
}
