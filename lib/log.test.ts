import { describe, expect, it, vi } from "vitest";
import { formatLogLine, redact } from "./log";

describe("structured logs", () => {
  it("writes one JSON object with time, level, message, request id and fields", () => {
    const line = JSON.parse(formatLogLine("info", "saved", { vhost: "a.example" }, "req-1"));
    expect(line).toMatchObject({ level: "info", msg: "saved", requestId: "req-1", vhost: "a.example" });
    expect(new Date(line.ts).toString()).not.toBe("Invalid Date");
  });

  it("never logs passwords, tokens or session ids", () => {
    const out = formatLogLine("error", "boom", {
      password: "hunter2hunter2",
      user: { email: "a@b.c", passwordHash: "$2b$12$abc", sessionToken: "s3cr3t" },
      headers: { authorization: "Bearer pn_abcdefghijklmnopqrstuvwxyz", cookie: "next-auth.session-token=eyJhbGciOi" },
      note: "called with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig and cookie __Secure-next-auth.session-token=abc.def",
      token: "pn_0123456789abcdefghij",
      error: new Error("failed for Bearer abc.def.ghi"),
    });
    for (const secret of ["hunter2hunter2", "$2b$12$abc", "s3cr3t", "pn_abcdefghijklmnopqrstuvwxyz", "eyJhbGciOi", "eyJhbGciOiJIUzI1NiJ9", "abc.def", "pn_0123456789abcdefghij", "abc.def.ghi"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("a@b.c");
    expect(redact("plain text")).toBe("plain text");
  });
});

describe("the process logger", () => {
  it("writes info to stdout and warn/error to stderr, one JSON line each, with the caller's request id", async () => {
    const { log } = await import("./log");
    const out: string[] = [];
    const err: string[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    try {
      await log.info("hello", { n: 1, requestId: "r-1" });
      await log.warn("careful", { cookie: "next-auth.session-token=abc" });
      await log.error("broken", { error: new Error("with Bearer abc.def") });
      await log.debug("hidden unless LOG_LEVEL=debug");
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(out).toHaveLength(1);
    expect(err).toHaveLength(2);
    for (const line of [...out, ...err]) expect(line.endsWith("\n") && line.indexOf("\n") === line.length - 1).toBe(true);
    expect(JSON.parse(out[0]!)).toMatchObject({ level: "info", msg: "hello", n: 1, requestId: "r-1" });
    expect(JSON.parse(err[0]!)).toMatchObject({ level: "warn", msg: "careful", cookie: "[redacted]" });
    const error = JSON.parse(err[1]!);
    expect(error).toMatchObject({ level: "error", msg: "broken", error: { name: "Error", message: "with Bearer [redacted]" } });
    expect(err[1]).not.toContain("abc.def");
  });

  it("censors the known secret keys down to three levels, in objects and arrays", () => {
    const line = JSON.parse(
      formatLogLine("info", "nested", { a: { b: { c: { credentials: { user: "u", key: "k" } } } }, list: [{ apiKey: "k1" }], date: new Date(0) }),
    );
    expect(line.a.b.c.credentials).toBe("[redacted]");
    expect(line.list[0].apiKey).toBe("[redacted]");
    expect(line.date).toBe("1970-01-01T00:00:00.000Z");
    expect(Object.keys(line)).not.toContain("pid");
  });
});
