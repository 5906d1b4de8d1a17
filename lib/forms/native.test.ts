import { describe, expect, it } from "vitest";
import { SHAPE_FIELD, START_FIELD, shapeOf, valuesFromFormData } from "./native";

function post(start: object, sent: [string, string][]) {
  const fd = new FormData();
  fd.set(SHAPE_FIELD, JSON.stringify(shapeOf(start)));
  fd.set(START_FIELD, JSON.stringify(start));
  for (const [k, v] of sent) fd.append(k, v);
  return valuesFromFormData(fd);
}

describe("valuesFromFormData", () => {
  it("rebuilds strings, numbers and checkboxes as the hydrated form sends them", () => {
    const start = { domain: "", aliases: "", threshold: 5, hsts: true, enabled: false };
    expect(post(start, [["domain", "a.example"], ["aliases", "b.example\nc.example"], ["threshold", " 9 "], ["enabled", "on"]])).toEqual({
      domain: "a.example",
      aliases: "b.example\nc.example",
      threshold: 9,
      hsts: false, // unticked: the browser sends nothing
      enabled: true,
    });
  });

  it("keeps the start value of a field the form did not render, and reads an empty number as NaN", () => {
    expect(post({ tlsMode: "NONE", minTlsVersion: "TLS1_2", ruleId: 10001 }, [["tlsMode", "NONE"], ["ruleId", ""]])).toEqual({
      tlsMode: "NONE",
      minTlsVersion: "TLS1_2",
      ruleId: Number.NaN,
    });
  });

  it("reads nested rows by index, only the rows that were sent", () => {
    const start = { name: "t", exclusions: [{ kind: "REMOVE_BY_ID", ruleId: "" }] };
    const got = post(start, [["name", "t"], ["exclusions.1.kind", "REMOVE_BY_TAG"], ["exclusions.1.ruleId", "942100"], ["exclusions.0.kind", "REMOVE_BY_ID"]]);
    expect(got).toEqual({ name: "t", exclusions: [{ kind: "REMOVE_BY_ID", ruleId: "" }, { kind: "REMOVE_BY_TAG", ruleId: "942100" }] });
  });

  it("refuses a missing or malformed shape instead of guessing", () => {
    const fd = new FormData();
    fd.set("domain", "x");
    expect(valuesFromFormData(fd)).toBeNull();
    fd.set(SHAPE_FIELD, "{not json");
    expect(valuesFromFormData(fd)).toBeNull();
    fd.set(SHAPE_FIELD, JSON.stringify({ domain: "x" }));
    expect(valuesFromFormData(fd)).toBeNull();
  });
});
