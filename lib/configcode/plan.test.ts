// The plan without a database: what changes, field by field, and in which order apply runs it.
import { describe, expect, it } from "vitest";
import { describePlan, planChanges } from "./plan";
import type { ConfigState, VhostState } from "./state";

const policy = { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4 } as const;
const rule = (ruleId: number, extra: Partial<{ description: string; enabled: boolean }> = {}) => ({
  ruleId,
  description: `rule ${ruleId}`,
  secRule: `SecRule ARGS "@rx x" "id:${ruleId},phase:2,deny"`,
  enabled: true,
  ...extra,
});

function vhost(domain: string, patch: Partial<VhostState> = {}): VhostState {
  return {
    domain,
    aliases: [],
    backendUrl: "http://10.0.0.5:8080",
    tlsMode: "NONE",
    certificateRef: null,
    hsts: false,
    minTlsVersion: "TLS1_2",
    enabled: true,
    policy,
    ipAllow: [],
    ipDeny: [],
    customRules: [],
    exclusions: [],
    ...patch,
  };
}

const ex = (ruleId: number, note: string | null = null) => ({ kind: "REMOVE_BY_ID" as const, ruleId, ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note });
const state = (vhosts: VhostState[], templates: ConfigState["templates"] = []): ConfigState => ({ vhosts, templates });

describe("planChanges", () => {
  it("nothing to do when the states are the same", () => {
    const s = state([vhost("a.example", { customRules: [rule(1)], exclusions: [ex(942100)] })]);
    const plan = planChanges(s, structuredClone(s));
    expect(plan.ops).toEqual([]);
    expect(describePlan(plan)).toEqual(["No changes: the database already matches the file."]);
  });

  it("field-level changes of a vhost and its policy, old → new", () => {
    const before = state([vhost("a.example")]);
    const after = state([vhost("a.example", { backendUrl: "http://10.0.0.6:8080", aliases: ["www.a.example"], policy: { ...policy, blockingParanoia: 2, detectionParanoia: 2 } })]);
    const plan = planChanges(before, after);
    expect(plan.counts).toEqual({ create: 0, update: 2, delete: 0 });
    expect(describePlan(plan)).toEqual([
      "~ vhost a.example",
      '    aliases: [] → ["www.a.example"]',
      '    backendUrl: "http://10.0.0.5:8080" → "http://10.0.0.6:8080"',
      "~ policy of a.example",
      "    blockingParanoia: 1 → 2",
      "    detectionParanoia: 1 → 2",
      "Plan: 0 to create, 2 to update, 0 to delete.",
    ]);
  });

  it("deletions first, then vhosts, then what hangs off them, then templates", () => {
    const t = { name: "t", description: "", policy, exclusions: [] };
    const before = state(
      [vhost("gone.example", { customRules: [rule(7)] }), vhost("kept.example", { ipDeny: [{ cidr: "192.0.2.1", note: null }], exclusions: [ex(942100)], customRules: [rule(1), rule(2)] })],
      [t],
    );
    const after = state(
      [
        vhost("kept.example", { ipDeny: [{ cidr: "192.0.2.0/24", note: null }], exclusions: [ex(942200)], customRules: [rule(2), rule(7)] }),
        vhost("new.example", { customRules: [rule(1)] }),
      ],
      [{ ...t, name: "u" }],
    );
    const plan = planChanges(before, after);
    expect(plan.ops.map((o) => `${o.op} ${o.type}`)).toEqual([
      "delete template",
      "delete customRule", // 1 leaves kept.example for new.example: its id is free before it is taken
      "delete exclusion",
      "delete ip",
      "delete vhost", // with rule 7, which kept.example then takes
      "create vhost",
      "create ip",
      "create exclusion",
      "create customRule",
      "create customRule",
      "create template",
    ]);
    // Rule 2 stays first on kept.example and 7 comes after it: no reorder needed.
    expect(plan.ops.some((o) => o.type === "customRuleOrder")).toBe(false);
  });

  it("reorders custom rules only when the wanted order differs from where they end up", () => {
    const before = state([vhost("a.example", { customRules: [rule(1), rule(2), rule(3)] })]);
    const plan = planChanges(before, state([vhost("a.example", { customRules: [rule(3), rule(1), rule(2, { enabled: false })] })]));
    expect(plan.ops.map((o) => `${o.op} ${o.type}`)).toEqual(["update customRule", "update customRuleOrder"]);
    expect(describePlan(plan).slice(0, 5)).toEqual([
      "~ custom rule 2 on a.example",
      "    enabled: true → false",
      "~ custom rule order on a.example",
      "    order: [1,2,3] → [3,1,2]",
      "Plan: 0 to create, 2 to update, 0 to delete.",
    ]);
    // A new rule wanted before the existing ones needs a reorder too.
    const added = planChanges(before, state([vhost("a.example", { customRules: [rule(9), rule(1), rule(2), rule(3)] })]));
    expect(added.ops.at(-1)).toMatchObject({ type: "customRuleOrder", before: [1, 2, 3, 9], after: [9, 1, 2, 3] });
  });

  it("a changed note is an update of an IP entry or exclusion; a changed address or rule id is a new object", () => {
    const before = state([vhost("a.example", { ipAllow: [{ cidr: "192.0.2.0/24", note: "old" }], exclusions: [ex(942100, "x")] })]);
    const after = state([vhost("a.example", { ipAllow: [{ cidr: "192.0.2.0/24", note: null }], exclusions: [ex(942100, "y"), ex(942101)] })]);
    const plan = planChanges(before, after);
    expect(describePlan(plan)).toEqual([
      "~ allow 192.0.2.0/24 on a.example",
      '    note: "old" → (none)',
      "~ exclusion REMOVE_BY_ID 942100 on a.example",
      '    note: "x" → "y"',
      "+ exclusion REMOVE_BY_ID 942101 on a.example",
      "Plan: 1 to create, 2 to update, 0 to delete.",
    ]);
  });

  it("a deleted vhost takes its lists, rules and exclusions with it (one change)", () => {
    const before = state([vhost("a.example", { ipAllow: [{ cidr: "192.0.2.0/24", note: null }], customRules: [rule(1)], exclusions: [ex(942100)] })]);
    const plan = planChanges(before, state([]));
    expect(describePlan(plan)).toEqual([
      "- vhost a.example (with its policy, 1 IP entries, 1 custom rules, 1 exclusions)",
      "Plan: 0 to create, 0 to update, 1 to delete.",
    ]);
  });

  it("template changes by field, exclusions as a list", () => {
    const t = { name: "t", description: "d", policy, exclusions: [ex(942100)] };
    const plan = planChanges(state([], [t]), state([], [{ ...t, description: "e", exclusions: [] }]));
    expect(describePlan(plan)).toEqual(['~ template "t"', '    description: "d" → "e"', '    exclusions: ["REMOVE_BY_ID 942100"] → []', "Plan: 0 to create, 1 to update, 0 to delete."]);
  });
});
