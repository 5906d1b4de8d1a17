// The client side of config as code through the API (GET /api/v1/config, POST /api/v1/config/plan and
// /api/v1/config/apply, see lib/api/configcode.ts): what `config:export` and `config:apply` run with
// --url and a token instead of a database URL. Only fetch: no database, no server code.
import type { FileProblem } from "./yaml-file";

export const TOKEN_ENV = "PALISADE_API_TOKEN";

export type RemoteCounts = { create: number; update: number; delete: number };
export type RemotePlan = { fingerprint: string; counts: RemoteCounts; changes: unknown[]; text: string[] };
export type RemoteApplied = RemotePlan & { status: "applied" | "unchanged"; appliedBy: string };

/** A refusal the panel explained (403, 412, 422): the same as a refusal in local mode (exit 1). */
export class RemoteRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: (FileProblem & { location?: string })[],
  ) {
    super(message);
  }
}

/** The panel could not be reached, or answered with something else than expected (exit 2). */
export class RemoteHttpError extends Error {}

const REFUSALS = new Set([403, 412, 422]);

/** The panel's base URL ("https://panel.example.com", with or without a path prefix), or null if it is not http(s). */
export function panelUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    if (u.protocol !== "https:" && u.protocol !== "http:") return null;
    if (u.username || u.password) return null;
    u.search = "";
    u.hash = "";
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    return u;
  } catch {
    return null;
  }
}

/** Plain http to another machine sends the token in clear. */
export function isCleartextRemote(u: URL): boolean {
  return u.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
}

export class RemoteConfigClient {
  constructor(
    private readonly base: URL,
    private readonly token: string,
  ) {}

  private async request(method: "GET" | "POST", path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(`api/v1/${path}`, this.base);
    const what = `${method} ${url.origin}${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/json, text/yaml, application/problem+json",
          ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
          ...init.headers,
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        redirect: "error",
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new RemoteHttpError(`Cannot reach the panel (${what}): ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    let problem: { detail?: unknown; problems?: unknown } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not problem details (a proxy's page): only the status is reported
    }
    const detail = typeof problem.detail === "string" ? problem.detail : text.slice(0, 200).trim() || res.statusText;
    if (REFUSALS.has(res.status)) throw new RemoteRefusal(res.status, detail, Array.isArray(problem.problems) ? (problem.problems as FileProblem[]) : []);
    throw new RemoteHttpError(`${what} answered HTTP ${res.status}: ${detail}`);
  }

  private async json<T>(res: Response): Promise<T> {
    try {
      return (await res.json()) as T;
    } catch {
      throw new RemoteHttpError(`${res.url || "The panel"} did not answer with JSON: is --url the panel's address?`);
    }
  }

  async exportYaml(): Promise<{ text: string; fingerprint: string | null }> {
    const res = await this.request("GET", "config");
    if (!/yaml/i.test(res.headers.get("content-type") ?? "")) throw new RemoteHttpError(`${res.url || "The panel"} did not answer with YAML: is --url the panel's address?`);
    return { text: await res.text(), fingerprint: res.headers.get("etag") };
  }

  async plan(yaml: string, source: string): Promise<RemotePlan> {
    return this.json<RemotePlan>(await this.request("POST", "config/plan", { body: { yaml, source } }));
  }

  async apply(yaml: string, source: string, fingerprint: string): Promise<RemoteApplied> {
    return this.json<RemoteApplied>(await this.request("POST", "config/apply", { body: { yaml, source }, headers: { "if-match": `"${fingerprint}"` } }));
  }
}
