import { describe, expect, it } from "vitest";
import { progress } from "./progress";

function sink() {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("progress", () => {
  it("writes plain lines off a terminal and ends with the full count", () => {
    const out = sink();
    const bar = progress("events", 1000, { stream: out.stream });
    for (let i = 0; i < 10; i++) bar.tick(100);
    bar.done();
    const lines = out.text().split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(out.text()).not.toContain("\r");
    expect(lines[lines.length - 1]).toMatch(/^events\s+\[#{28}\] 100% 1,000\/1,000 {2}[\d,]+\/s {2}ETA /);
  });

  it("writes nothing when quiet", () => {
    const out = sink();
    const bar = progress("events", 10, { stream: out.stream, quiet: true });
    bar.tick(10);
    bar.done();
    expect(out.text()).toBe("");
  });
});
