// The impact preview's replay on the real engine: the candidate and the live bundle side by side, the
// built-in corpus and stored-event requests through both, each difference named with the rules that
// decided it. Skipped, with the install command, without the engine (a failure instead when CI is set).
import { readFileSync } from "node:fs";
import { describe as plainDescribe, expect, it } from "vitest";
import { describeWithEngine } from "@/lib/testing/real-engine";
import { compileBundle } from "@/lib/waf/compile";
import { childrenOf } from "@/lib/waf/engine";
import { DEFAULT_POLICY, sampleInput, sampleVhost } from "@/lib/waf/samples";
import type { ExclusionInput, VhostInput } from "@/lib/waf/types";
import { replayBundle } from "./bundle";
import { CORPUS } from "./corpus";
import { planReplay, summarize } from "./plan";
import { ReplayCancelled, replayRequests } from "./run";

const SHOP = "shop.replay.test";
const BACKEND = "http://10.255.0.1:8080"; // unroutable: a request that reached it would hang, not pass

const bundle = (overrides: Partial<VhostInput> = {}) => compileBundle(sampleInput([sampleVhost(SHOP, { backendUrl: BACKEND, ...overrides })]));
const pl = (n: 1 | 2 | 3 | 4) => ({ policy: { ...DEFAULT_POLICY, blockingParanoia: n, detectionParanoia: n } });
const exclusion = (e: Partial<ExclusionInput> & Pick<ExclusionInput, "kind">): ExclusionInput => ({ ruleId: null, ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note: null, ...e });
const nginxChildren = () => childrenOf(process.pid).filter((pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nginx");
  } catch {
    return false;
  }
});

plainDescribe("replayBundle", () => {
  it("moves every listen to loopback on the replay's ports and every proxy_pass to the stub", () => {
    const b = replayBundle(
      compileBundle(sampleInput([sampleVhost(SHOP, { backendUrl: "https://backend.internal:8443/app/", tlsMode: "TERMINATE", certificateRef: "shop" })], { listenAddresses: ["0.0.0.0", "[::]"] })),
      { http: 18080, https: 18443, stub: 19000 },
    );
    const all = Object.values(b.files).join("\n");
    const listens = [...all.matchAll(/^\s*listen\s+([^;]+);/gm)].map((m) => m[1]);
    expect(listens.length).toBeGreaterThan(0);
    for (const l of listens) expect(l).toMatch(/^127\.0\.0\.1:(18080|18443)( ssl)?( default_server)?$/);
    expect(b.files[`vhosts/${SHOP}.conf`]).toContain("proxy_pass http://127.0.0.1:19000/app/;");
    expect(all).not.toContain("backend.internal");
    expect(all).not.toMatch(/proxy_ssl_/);
  });
});

describeWithEngine("replay: candidate vs live on the real engine", { timeout: 120_000 }, () => {
  it("names the benign requests that paranoia 2 newly blocks, with the rules that decided, and lets no attack through", async () => {
    const { requests } = planReplay([SHOP], []);
    const decisions = await replayRequests({ live: bundle(pl(1)), candidate: bundle(pl(2)), requests });
    const report = summarize(requests, decisions);
    const blockedIds = report.differences.filter((d) => d.change === "newly-blocked").map((d) => d.ref).sort();
    expect(blockedIds).toContain("prose-dashes");
    expect(blockedIds).toContain("prose-review");
    expect(report.differences.every((d) => d.source === "corpus" && !d.attack && d.change === "newly-blocked")).toBe(true);
    const dashes = report.differences.find((d) => d.ref === "prose-dashes")!;
    expect(dashes.live).toMatchObject({ status: 200, blocked: false });
    expect(dashes.candidate).toMatchObject({ status: 403, blocked: true });
    // The rule that decided, and the anomaly evaluation that blocked on its score.
    expect("rules" in dashes.candidate && dashes.candidate.rules).toEqual(expect.arrayContaining([942440, 949110]));
    expect(report.vhosts).toEqual([
      expect.objectContaining({ vhost: SHOP, requests: CORPUS.length, newlyBlocked: blockedIds.length, newlyAllowed: 0, errors: 0, attacksLetThrough: 0 }),
    ]);
    // Every attack of the corpus is blocked by both revisions (the corpus's own promise).
    for (const [i, r] of requests.entries()) {
      if (r.attack) expect(decisions[i], r.ref).toMatchObject({ live: { blocked: true }, candidate: { blocked: true } });
      else if (!blockedIds.includes(r.ref)) expect(decisions[i], r.ref).toMatchObject({ live: { status: 200 }, candidate: { status: 200 } });
    }
    expect(nginxChildren()).toEqual([]);
  });

  it("flags the attacks an exclusion newly lets through, and reports a stored request it cannot send", async () => {
    const events = [
      { id: "ev-1", vhost: SHOP, method: "GET", uri: "/search?q=1%27+OR+%271%27%3D%271" },
      { id: "ev-2", vhost: SHOP, method: "GET", uri: "/bad path\r\nX-Injected: 1" },
      { id: "ev-3", vhost: "other.test", method: "GET", uri: "/" },
      { id: "ev-4", vhost: SHOP, method: "TRACE\r\n", uri: "/" },
    ];
    const { requests, skipped } = planReplay([SHOP], events);
    expect(skipped).toBe(2); // another vhost's event, a method no request line may carry
    const decisions = await replayRequests({
      live: bundle(),
      candidate: bundle({ exclusions: [exclusion({ kind: "REMOVE_BY_TAG", tag: "attack-sqli" })] }),
      requests,
    });
    const report = summarize(requests, decisions, skipped);
    const allowed = report.differences.filter((d) => d.change === "newly-allowed");
    expect(allowed.map((d) => d.ref)).toEqual(expect.arrayContaining(["sqli-tautology", "ev-1"]));
    expect(allowed.every((d) => d.ref.startsWith("sqli-") || d.ref === "ev-1")).toBe(true);
    const flagged = report.vhosts[0]!.attacksLetThrough;
    expect(flagged).toBe(allowed.filter((d) => d.source === "corpus").length);
    expect(flagged).toBeGreaterThanOrEqual(1);
    const tautology = allowed.find((d) => d.ref === "sqli-tautology")!;
    expect("rules" in tautology.live && tautology.live.rules).toContain(942100);
    expect(tautology.candidate).toMatchObject({ status: 200, blocked: false });
    const bad = report.differences.find((d) => d.ref === "ev-2")!;
    expect(bad.change).toBe("error");
    expect("error" in bad.candidate && bad.candidate.error).toMatch(/^Not sent: /);
    expect(report.vhosts[0]!.errors).toBe(1);
    expect(nginxChildren()).toEqual([]);
  });

  it("treats a vhost new in the candidate as not blocked before: its blocked attacks are newly blocked, nothing errors", async () => {
    const NEW = "new.replay.test";
    const { requests } = planReplay([NEW], []);
    const candidate = compileBundle(sampleInput([sampleVhost(SHOP, { backendUrl: BACKEND }), sampleVhost(NEW, { backendUrl: BACKEND })]));
    const report = summarize(requests, await replayRequests({ live: bundle(), candidate, requests }));
    expect(report.vhosts).toEqual([expect.objectContaining({ vhost: NEW, errors: 0, newlyAllowed: 0, newlyBlocked: CORPUS.filter((c) => c.kind === "attack").length })]);
  });

  it("stops at once when cancelled, and leaves no nginx behind", async () => {
    const { requests } = planReplay([SHOP], []);
    const many = Array.from({ length: 40 }, () => requests).flat();
    const abort = new AbortController();
    let started = false;
    const run = replayRequests({
      live: bundle(),
      candidate: bundle(pl(2)),
      requests: many,
      signal: abort.signal,
      onProgress: () => {
        started = true;
        abort.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(ReplayCancelled);
    expect(started).toBe(true);
    expect(nginxChildren()).toEqual([]);
  });
});
