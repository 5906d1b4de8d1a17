// The agent refuses a plain-http panel URL unless it stays on the machine (loopback) or --insecure says so.
import { describe, expect, it, vi } from "vitest";
import { parseArgs, PLAIN_HTTP_REFUSED } from "./cli";

const args = (panel: string, ...more: string[]) => parseArgs(["--panel", panel, "--token-file", "/tmp/t", "--dir", "/tmp/d", ...more]);

describe("node:agent --panel", () => {
  it.each(["http://panel.example.com", "http://10.0.0.2:3000", "http://[2001:db8::1]:3000", "HTTP://panel.example.com/", "http://127.0.0.1.example.com"])("refuses plain %s", (url) => {
    expect(args(url)).toBe(PLAIN_HTTP_REFUSED);
  });

  it.each(["https://panel.example.com", "http://127.0.0.1:3000", "http://127.1:3000", "http://[::1]:3000", "http://localhost:3000"])("accepts %s", (url) => {
    expect(args(url)).toMatchObject({ panel: url, insecure: false });
  });

  it("accepts plain http with --insecure, and warns", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(args("http://panel.example.com", "--insecure")).toMatchObject({ panel: "http://panel.example.com", insecure: true });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^warning: --insecure: /));
    warn.mockRestore();
  });
});

describe("node:agent events flags", () => {
  it("ships events by default, with the default secret names", () => {
    expect(args("https://panel.example.com")).toMatchObject({ events: true, secretNames: null });
  });

  it("--no-events turns shipping off; --secret-names replaces the redaction list", () => {
    expect(args("https://panel.example.com", "--no-events", "--secret-names", "Password, pin,otp")).toMatchObject({ events: false, secretNames: ["password", "pin", "otp"] });
    expect(args("https://panel.example.com", "--secret-names", ",")).toMatch(/--secret-names/);
    expect(args("https://panel.example.com", "--secret-names", "a b")).toMatch(/--secret-names/);
  });

  it("--events-to sends the events elsewhere (an events-only node-API server), with --panel's rules for plain http", () => {
    expect(args("https://panel.example.com")).toMatchObject({ eventsTo: "https://panel.example.com" });
    expect(args("https://panel.example.com", "--events-to", "http://127.0.0.1:3001")).toMatchObject({ panel: "https://panel.example.com", eventsTo: "http://127.0.0.1:3001" });
    expect(args("https://panel.example.com", "--events-to", "http://events.example.com")).toBe(PLAIN_HTTP_REFUSED.replace("--panel", "--events-to"));
    expect(args("https://panel.example.com", "--events-to", "ftp://x")).toBe("--events-to must be an http(s) URL");
    expect(args("https://panel.example.com", "--events-to", "not a url")).toMatch(/^--events-to must be a URL/);
    expect(args("https://panel.example.com", "--events-to", "https://e.example.com", "--no-events")).toBe("--events-to and --no-events contradict each other");
  });
});
