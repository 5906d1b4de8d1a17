// Structured logs through pino: one JSON object per line, debug/info on stdout and warn/error on stderr,
// with the request id when there is one. Plain `pino()` writing to the process's own streams, no
// transport: pino's worker-thread transports do not bundle in Next's server build.
// No password, token or session id reaches the logs, in three layers:
// - a serializer (pino's `formatters.log`) rewrites what looks like a bearer token, a session cookie or
//   a node token inside any string, turns Errors into {name, message, stack} (redacted too), and
//   replaces values under keys that look like secrets at any depth (a pattern, which paths cannot say);
// - pino's `redact` paths then censor the known secret keys at the top and three levels down, whatever
//   the serializer made of them (pino applies them last, to the serialized object).
import { headers } from "next/headers";
import pino, { type Logger } from "pino";

type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const CENSOR = "[redacted]";
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|session|hash|credential|api[-_]?key/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]"],
  [/((?:__Secure-|__Host-)?next-auth\.[a-z-]+-token=)[^;\s]+/gi, "$1[redacted]"],
  [/\bpn_[A-Za-z0-9_-]{16,}/g, "pn_[redacted]"],
];
/** Keys that hold a secret wherever they appear (pino `redact` paths are made from these). */
export const SECRET_KEYS = [
  "password",
  "passwordHash",
  "newPassword",
  "currentPassword",
  "secret",
  "token",
  "tokenHash",
  "sessionToken",
  "accessToken",
  "refreshToken",
  "authorization",
  "cookie",
  "set-cookie",
  "apiKey",
  "credentials",
] as const;
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const join = (prefix: string) => (key.startsWith("[") ? `${prefix}${key}` : prefix ? `${prefix}.${key}` : key);
  return ["", "*", "*.*", "*.*.*"].map(join);
});

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[deep]";
  if (typeof value === "string") return SECRET_TEXT.reduce((s, [re, rep]) => s.replace(re, rep), value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack ?? "") };
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? CENSOR : redact(v, depth + 1)]));
  }
  return value;
}

const options: pino.LoggerOptions = {
  level: process.env.LOG_LEVEL === "debug" ? "debug" : "info",
  base: undefined, // no pid or hostname: the line says what happened, the platform says where
  timestamp: () => `,"ts":"${new Date().toISOString()}"`,
  messageKey: "msg",
  formatters: {
    level: (label) => ({ level: label }),
    log: (fields) => redact(fields) as Fields,
  },
  redact: { paths: REDACT_PATHS, censor: CENSOR },
};

function logger(stdout: pino.DestinationStream, stderr: pino.DestinationStream): Logger {
  const streams = pino.multistream(
    [
      { level: "debug", stream: stdout },
      { level: "warn", stream: stderr },
    ],
    { dedupe: true }, // each line to the one stream of the highest level it reaches
  );
  return pino(options, streams);
}

const processLogger = logger(process.stdout, process.stderr);

async function requestId(): Promise<string | undefined> {
  try {
    return (await headers()).get("x-request-id") ?? undefined;
  } catch {
    return undefined; // outside a request
  }
}

function emit(target: Logger, level: Level, msg: string, fields: Fields = {}, reqId?: string) {
  target[level](reqId && fields.requestId === undefined ? { requestId: reqId, ...fields } : fields, msg);
}

/** The line `log[level]` writes (without its newline), through the same pino logger options. */
export function formatLogLine(level: Level, msg: string, fields: Fields = {}, reqId?: string): string {
  let line = "";
  const capture = { write: (s: string) => void (line += s) };
  const target = pino({ ...options, level: "debug" }, capture);
  emit(target, level, msg, fields, reqId);
  return line.replace(/\n$/, "");
}

async function write(level: Level, msg: string, fields?: Fields) {
  if (!processLogger.isLevelEnabled(level)) return;
  // A caller that knows its request id (the route wrapper) passes it as a field; otherwise Next's
  // request headers carry the one proxy.ts set.
  const reqId = fields?.requestId === undefined ? await requestId() : undefined;
  emit(processLogger, level, msg, fields, reqId);
}

/** Each call returns a promise (the request id is read from Next's async headers); `void log.warn(...)` is fine. */
export const log = {
  debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
  info: (msg: string, fields?: Fields) => write("info", msg, fields),
  warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
  error: (msg: string, fields?: Fields) => write("error", msg, fields),
};
