// Helpers for the REST API's integration tests: users with tokens, and calling a route by method and
// path exactly as Next would (the route file's handler, the path's params).
import { db, type Role } from "@/lib/db";
import { createApiToken } from "@/lib/tokens/service";
import type { TokenScope } from "@/lib/tokens/schema";
import { createUser } from "@/lib/users/service";
import { API_BASE, handlersFor, type Method } from "./define";
import { API_ROUTES } from "./routes";

const SETUP = { actor: { id: null, email: "setup@api.test" } };

export async function userWithToken(email: string, role: Role, scope: TokenScope, expiresInDays = 30) {
  const existing = await db.user.findUnique({ where: { email } });
  const user = existing ?? (await createUser(SETUP, { email, name: role, role, password: "api-test-password-1" }));
  const { token, row } = await createApiToken(SETUP, { userId: user.id, name: `${role} ${scope}`, scope, expiresInDays });
  return { user, token, tokenId: row.id };
}

/** The path template of a concrete path ("/vhosts/abc" → "/vhosts/{id}") and its params. */
function match(path: string): { template: string; params: Record<string, string> } {
  const parts = path.split("/");
  for (const r of API_ROUTES) {
    const t = r.path.split("/");
    if (t.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (t.every((seg, i) => (/^\{\w+\}$/.test(seg) ? ((params[seg.slice(1, -1)] = parts[i]!), true) : seg === parts[i]))) {
      // A static segment wins over a parameter (as in Next): "/revisions/diff" is not revision "diff".
      const exact = API_ROUTES.find((x) => x.path === path);
      return exact ? { template: exact.path, params: {} } : { template: r.path, params };
    }
  }
  throw new Error(`no API route matches ${path}`);
}

export async function call(
  method: Method,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<Response> {
  const [pathname, search = ""] = path.split("?");
  const { template, params } = match(pathname!);
  const handler = handlersFor(API_ROUTES, template)[method];
  if (!handler) throw new Error(`no ${method} ${template}`);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const request = new Request(`http://panel.test${API_BASE}${pathname}${search ? `?${search}` : ""}`, { method, headers, body });
  return handler(request, { params: Promise.resolve(params) });
}
