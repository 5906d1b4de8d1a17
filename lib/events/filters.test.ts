import { describe, expect, it } from "vitest";
import { eventFilterQuery, eventTimeRange, formatCursor, parseCursor, parseEventFilter, parseEventPage } from "./filters";

describe("parseEventFilter", () => {
  it("reads every filter from the URL", () => {
    const { filter, problems } = parseEventFilter(
      new URLSearchParams("vhost=11111111-1111-4111-8111-111111111111&range=7d&outcome=blocked&rule=942100&tag=attack-sqli&client=10.0.0.0/8&path=/search&status=403"),
    );
    expect(problems).toEqual([]);
    expect(filter).toMatchObject({ vhost: "11111111-1111-4111-8111-111111111111", range: "7d", outcome: "blocked", rule: 942100, tag: "attack-sqli", path: "/search", status: 403 });
    expect(filter.client?.canonical).toBe("10.0.0.0/8");
  });

  it("drops bad values and says why", () => {
    const { filter, problems } = parseEventFilter({ vhost: "x", range: "2d", outcome: "denied", rule: "abc", tag: "a b", client: "10.0.0.5/24", path: "search", status: "4000", from: "yesterday" });
    expect(filter).toEqual({});
    expect(problems).toHaveLength(9);
    expect(problems.join("\n")).toMatch(/rule id is a number/);
    expect(problems.join("\n")).toMatch(/10\.0\.0\.0\/24/); // the range meant
    expect(parseEventFilter({ client: "2001:db8::/32" }).filter.client?.canonical).toBe("2001:db8::/32");
    expect(parseEventFilter({ client: "2001:db8::1/32" }).problems[0]).toMatch(/host bits/);
    expect(parseEventFilter({ from: "2026-12-06T10:00", to: "2026-12-06T09:00" }).problems[0]).toMatch(/not before/);
  });

  it("ignores empty parameters (a GET form sends them all)", () => {
    expect(parseEventFilter({ vhost: "", rule: " ", range: "24h" })).toEqual({ filter: { range: "24h" }, problems: [] });
  });
});

describe("time range and query", () => {
  const now = new Date("2026-12-06T12:00:00Z");
  it("uses the preset before now unless from/to are given", () => {
    expect(eventTimeRange({}, now)).toEqual({ from: new Date("2026-12-05T12:00:00Z"), to: now });
    expect(eventTimeRange({ range: "1h" }, now).from).toEqual(new Date("2026-12-06T11:00:00Z"));
    const { filter } = parseEventFilter({ from: "2026-12-01T00:00" });
    expect(eventTimeRange(filter, now)).toEqual({ from: new Date("2026-12-01T00:00:00Z"), to: now });
  });

  it("writes the filter back as it reads it", () => {
    const { filter } = parseEventFilter({ client: "192.0.2.7", from: "2026-12-01T00:00", rule: "942100" });
    const q = eventFilterQuery(filter, { before: "x" });
    expect(q).toBe("?from=2026-12-01T00%3A00%3A00Z&rule=942100&client=192.0.2.7&before=x");
    expect(parseEventFilter(new URLSearchParams(q.slice(1))).filter).toEqual(filter);
    // A top entry's link replaces one value of the filter.
    expect(eventFilterQuery(filter, { client: "198.51.100.1" }, ["client"])).toBe("?from=2026-12-01T00%3A00%3A00Z&rule=942100&client=198.51.100.1");
  });

  it("round-trips a cursor and refuses a bad one", () => {
    const c = { at: new Date("2026-12-06T11:00:00.123Z"), id: "11111111-1111-4111-8111-111111111111" };
    expect(parseCursor(formatCursor(c))).toEqual(c);
    expect(parseCursor("12_nope")).toBeUndefined();
    expect(parseEventPage({ before: formatCursor(c), after: "x" })).toEqual({ before: c });
  });
});
