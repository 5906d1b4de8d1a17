// Structured logs: one JSON object per line on stdout/stderr, with the request id when there is one.
// Values under keys that look like secrets are replaced, and so is anything that looks like a bearer
// token or a session cookie inside a string, so no password, token or session id reaches the logs.
import { headers } from "next/headers";

type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|session|hash|credential|api[-_]?key/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]"],
  [/((?:__Secure-|__Host-)?next-auth\.[a-z-]+-token=)[^;\s]+/gi, "$1[redacted]"],
  [/\bpn_[A-Za-z0-9_-]{16,}/g, "pn_[redacted]"],
];

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[deep]";
  if (typeof value === "string") return SECRET_TEXT.reduce((s, [re, rep]) => s.replace(re, rep), value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack ?? "") };
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1)]));
  }
  return value;
}

async function requestId(): Promise<string | undefined> {
  try {
    return (await headers()).get("x-request-id") ?? undefined;
  } catch {
    return undefined; // outside a request
  }
}

export function formatLogLine(level: Level, msg: string, fields: Fields = {}, reqId?: string): string {
  return JSON.stringify({ ts: new Date().toISOString(), level, msg, ...(reqId ? { requestId: reqId } : {}), ...(redact(fields) as Fields) });
}

async function write(level: Level, msg: string, fields?: Fields) {
  const line = formatLogLine(level, msg, fields, await requestId());
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const log = {
  debug: (msg: string, fields?: Fields) => (process.env.LOG_LEVEL === "debug" ? write("debug", msg, fields) : Promise.resolve()),
  info: (msg: string, fields?: Fields) => write("info", msg, fields),
  warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
  error: (msg: string, fields?: Fields) => write("error", msg, fields),
};
