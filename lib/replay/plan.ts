// What a replay sends and what it found: the requests (the built-in corpus for each changed virtual host,
// then a sample of its stored events as far as they rebuild a request) and, once both revisions answered,
// each request's change — newly blocked, newly let through, unchanged — per virtual host. Pure.
import { CORPUS } from "./corpus";
import type { Decision, ReplayRequest } from "./run";

export type PlannedRequest = ReplayRequest & {
  source: "corpus" | "event";
  /** The corpus entry's id, or the stored event's id. */
  ref: string;
  label: string;
  attack: boolean;
};

/** A stored WAF event, as much of it as rebuilds the request (lib/events stores no headers or bodies). */
export type ReplayableEvent = { id: string; vhost: string; method: string; uri: string };

/** Methods a stored event may be replayed with; anything else is skipped (and counted). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function planReplay(vhosts: readonly string[], events: readonly ReplayableEvent[]): { requests: PlannedRequest[]; skipped: number } {
  const requests: PlannedRequest[] = [];
  for (const vhost of vhosts) {
    for (const c of CORPUS) {
      requests.push({ vhost, method: c.method, target: c.target, headers: c.headers, body: c.body, source: "corpus", ref: c.id, label: c.label, attack: c.kind === "attack" });
    }
  }
  let skipped = 0;
  const wanted = new Set(vhosts);
  for (const e of events) {
    // Stored events are data: only a plain method and an origin-form target are sent, as they are.
    if (!wanted.has(e.vhost) || !METHODS.has(e.method) || !e.uri.startsWith("/")) {
      skipped++;
      continue;
    }
    requests.push({ vhost: e.vhost, method: e.method, target: e.uri, source: "event", ref: e.id, label: `${e.method} ${e.uri}`, attack: false });
  }
  return { requests, skipped };
}

export type Change = "newly-blocked" | "newly-allowed" | "unchanged" | "error";

export type ReplayItem = Omit<PlannedRequest, "headers" | "body"> & { live: Decision; candidate: Decision; change: Change };

export type VhostReplaySummary = {
  vhost: string;
  requests: number;
  newlyBlocked: number;
  newlyAllowed: number;
  unchanged: number;
  errors: number;
  /** Attacks of the built-in corpus this change newly lets through: flagged before Publish. */
  attacksLetThrough: number;
};

export type ReplayReport = {
  total: number;
  skipped: number;
  vhosts: VhostReplaySummary[];
  /** Every request whose outcome changed or that could not be replayed (unchanged ones are only counted). */
  differences: ReplayItem[];
};

export function changeOf(live: Decision, candidate: Decision): Change {
  if (!("status" in live) || !("status" in candidate)) return "error";
  if (live.blocked === candidate.blocked) return "unchanged";
  return candidate.blocked ? "newly-blocked" : "newly-allowed";
}

export function summarize(planned: readonly PlannedRequest[], decisions: readonly { live: Decision; candidate: Decision }[], skipped = 0): ReplayReport {
  const byVhost = new Map<string, VhostReplaySummary>();
  const differences: ReplayItem[] = [];
  planned.forEach((p, i) => {
    const d = decisions[i]!;
    const change = changeOf(d.live, d.candidate);
    const s = byVhost.get(p.vhost) ?? { vhost: p.vhost, requests: 0, newlyBlocked: 0, newlyAllowed: 0, unchanged: 0, errors: 0, attacksLetThrough: 0 };
    byVhost.set(p.vhost, s);
    s.requests++;
    if (change === "newly-blocked") s.newlyBlocked++;
    else if (change === "newly-allowed") {
      s.newlyAllowed++;
      if (p.attack && p.source === "corpus") s.attacksLetThrough++;
    } else if (change === "error") s.errors++;
    else s.unchanged++;
    if (change !== "unchanged") {
      const { headers: _h, body: _b, ...rest } = p;
      differences.push({ ...rest, live: d.live, candidate: d.candidate, change });
    }
  });
  return { total: planned.length, skipped, vhosts: [...byVhost.values()].sort((a, b) => (a.vhost < b.vhost ? -1 : 1)), differences };
}

/** What a publish's audit row says of the replay of what it published. */
export type ReplayAuditNote = { id: string; requests: number; newlyBlocked: number; newlyAllowed: number; attacksLetThrough: number; errors: number };

export function replayAuditNote(id: string, report: ReplayReport | null): ReplayAuditNote {
  const sum = (k: "requests" | "newlyBlocked" | "newlyAllowed" | "attacksLetThrough" | "errors") => (report?.vhosts ?? []).reduce((n, v) => n + v[k], 0);
  return { id, requests: sum("requests"), newlyBlocked: sum("newlyBlocked"), newlyAllowed: sum("newlyAllowed"), attacksLetThrough: sum("attacksLetThrough"), errors: sum("errors") };
}

export function describeReplayNote(note: ReplayAuditNote | null): string {
  if (!note) return "no traffic replay was run";
  const attacks = note.attacksLetThrough ? `, ${note.attacksLetThrough} of them ${note.attacksLetThrough === 1 ? "an attack" : "attacks"} of the built-in corpus` : "";
  return `traffic replay of ${note.requests} ${note.requests === 1 ? "request" : "requests"}: ${note.newlyBlocked} newly blocked, ${note.newlyAllowed} newly let through${attacks}`;
}
