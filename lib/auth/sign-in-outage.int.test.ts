// Signing in while the database is unreachable: the form gets a plain sentence, never Prisma's
// invocation text or the server's address; the detail goes to the log.
import { afterEach, describe, expect, it, vi } from "vitest";
import { disconnectDb } from "@/lib/db";
import { log } from "@/lib/log";
import { closedPort } from "@/lib/testing/fake-postgres";
import { getAuthOptions } from "./options";

const UNREACHABLE = "The panel cannot reach its database; try again in a moment";

type Authorize = (credentials: Record<string, string>, req: { headers: Record<string, string> }) => Promise<unknown>;
function authorize(): Authorize {
  const provider = getAuthOptions().providers[0] as unknown as { options: { authorize: Authorize } };
  return provider.options.authorize;
}

const realUrl = process.env.DATABASE_URL;
afterEach(async () => {
  await disconnectDb();
  process.env.DATABASE_URL = realUrl;
  vi.restoreAllMocks();
});

describe("sign-in with the database down", () => {
  it("says the panel cannot reach its database, and logs the detail", async () => {
    // PostgreSQL: a port nothing listens on. SQLite: a file in a folder that does not exist.
    process.env.DATABASE_URL = process.env.TEST_DB === "postgres" ? (await closedPort()).url : "file:/nonexistent-palisade-dir/panel.db";
    await disconnectDb();
    const logged = vi.spyOn(log, "error").mockResolvedValue(undefined);
    const err = await authorize()({ email: "admin@example.test", password: "whatever-password" }, { headers: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(UNREACHABLE);
    expect((err as Error).message).not.toMatch(/prisma|invocation|127\.0\.0\.1|nonexistent/i);
    expect(logged).toHaveBeenCalledTimes(1);
    const [msg, fields] = logged.mock.calls[0]!;
    expect(msg).toMatch(/sign-in/i);
    // The log keeps what an operator needs: Prisma's own message.
    expect(String((fields as { error?: Error }).error?.message)).toMatch(/Can't reach database server|unable to open|directory does not exist|Cannot open/i);
  });

  it("still answers a wrong password with null (the generic message), once the database is back", async () => {
    expect(await authorize()({ email: "nobody@example.test", password: "wrong-password" }, { headers: {} })).toBeNull();
  });
});
