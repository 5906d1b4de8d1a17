import { describe, expect, it } from "vitest";
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
