// What Publish would change: each vhost's state against the latest revision (the config page), and the
// vhost list's "unpublished" marks. A vhost's files depend only on itself and the settings, so they
// compare one vhost at a time, by SHA-256, with the latest revision's file hashes — read once per
// revision (revisions never change) and kept for the latest revision only. At 10,000 vhosts that bundle
// is 21 MB of JSON: reading it on every page view cost more than everything else together.
import { createHash } from "node:crypto";
import { db } from "@/lib/db";
import { compileBundle } from "@/lib/waf/compile";
import { CompileError, type CompilerSettings, type VhostInput } from "@/lib/waf/types";
import { vhostFiles, vhostOfFile } from "./changes";
import { bundleHash } from "./hash";
import { loadVhostInputs } from "./load";
import { latestRevisionHead } from "./service";
import { latestRevisionMemo } from "./revision-memo";
import { compilerSettingsFromEnv } from "./settings";

export type VhostPublishState = {
  id: string;
  domain: string;
  enabled: boolean;
  /** new: not in the latest revision; changed: its files differ; removed: disabled but still published; invalid: the compiler refuses it. */
  state: "published" | "new" | "changed" | "removed" | "invalid" | "disabled";
  error?: string;
};

/** path → SHA-256 (hex) of the file's text. */
type FileHashes = Map<string, string>;

/** A vhost compiled on its own: its files' hashes, or why the compiler refuses it. */
type Own = { hashes: FileHashes } | { error: string };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const hashFiles = (files: Record<string, string>): FileHashes => new Map(Object.entries(files).map(([path, text]) => [path, sha256(text)]));

const latestFileHashes = latestRevisionMemo(hashFiles);

/** The file hashes of a revision (none before the first publish). */
function publishedHashes(latest: { number: number; contentHash: string } | null): Promise<FileHashes> {
  return latest ? latestFileHashes(latest) : Promise.resolve(new Map());
}

function compileOwn(v: VhostInput, settings: CompilerSettings): Own {
  try {
    return { hashes: hashFiles(vhostFiles(compileBundle({ vhosts: [v], settings }).files, v.domain)) };
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    return { error: err.message };
  }
}

const ownPaths = (domain: string) => [`vhosts/${domain}.conf`, `rules/${domain}.conf`];

function enabledState(v: VhostInput, own: Own, published: FileHashes): VhostPublishState {
  if ("error" in own) return { id: v.id, domain: v.domain, enabled: true, state: "invalid", error: own.error };
  const inRevision = ownPaths(v.domain).filter((p) => published.has(p));
  const same = inRevision.length === own.hashes.size && [...own.hashes].every(([p, h]) => published.get(p) === h);
  return { id: v.id, domain: v.domain, enabled: true, state: inRevision.length === 0 ? "new" : same ? "published" : "changed" };
}

function disabledState(v: { id: string; domain: string }, published: FileHashes): VhostPublishState {
  return { id: v.id, domain: v.domain, enabled: false, state: ownPaths(v.domain).some((p) => published.has(p)) ? "removed" : "disabled" };
}

const isUnpublished = (s: VhostPublishState) => s.state !== "published" && s.state !== "disabled";

const byDomain = (a: { domain: string }, b: { domain: string }) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

/**
 * The vhost list's marks for the vhosts of one page: those among `ids` whose files differ from the
 * latest revision's, or that cannot compile, or that are disabled but still published. Only those
 * vhosts are loaded and compiled.
 */
export async function unpublishedAmong(ids: string[], settings: CompilerSettings = compilerSettingsFromEnv()): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const [latest, enabled, disabled] = await Promise.all([
    latestRevisionHead(),
    loadVhostInputs({ ids }),
    db.virtualHost.findMany({ where: { enabled: false, id: { in: ids } }, select: { id: true, domain: true } }),
  ]);
  const published = await publishedHashes(latest);
  const states = [...enabled.map((v) => enabledState(v, compileOwn(v, settings), published)), ...disabled.map((v) => disabledState(v, published))];
  return new Set(states.filter(isUnpublished).map((s) => s.id));
}

export type PublishStatus = {
  latest: { number: number; contentHash: string; createdAt: Date; createdByEmail: string } | null;
  vhosts: VhostPublishState[];
  /** Domains the latest revision serves that no vhost has any more (deleted or renamed). */
  deletedDomains: string[];
  /** The whole stored state compiled now: its hash, or why the compiler refuses it. */
  draft: { ok: true; hash: string; upToDate: boolean } | { ok: false; error: string; vhost: string | null; vhostId: string | null; field: string };
};

type Draft = { ok: true; hash: string } | { ok: false; error: string; vhost: string | null; vhostId: string | null; field: string };

/**
 * The last compilation of the whole stored state, by a fingerprint of its input (the settings and every
 * enabled vhost's input, hashed): while nothing changes, the config page loads the vhosts but compiles
 * nothing. `own` keeps each vhost's result with the hash of its input, for when the whole state does not
 * compile and each vhost is compiled on its own.
 */
let draftCache: { settings: string; fingerprint: string; draft: Draft; own: Map<string, { key: string; own: Own }> } | null = null;

function compileDraft(inputs: VhostInput[], settings: CompilerSettings): { draft: Draft; own: Map<string, { key: string; own: Own }> } {
  const settingsKey = JSON.stringify(settings);
  const keys = inputs.map((v) => sha256(JSON.stringify(v)));
  const fingerprint = sha256(JSON.stringify([settingsKey, keys]));
  const cached = draftCache;
  if (cached?.fingerprint === fingerprint) return cached;
  const own = new Map<string, { key: string; own: Own }>();
  let draft: Draft;
  try {
    // Compiling all together gives each vhost the files it gets compiled alone, and checks what only
    // the whole can show (a name or rule id used by two vhosts).
    const { files } = compileBundle({ vhosts: inputs, settings });
    draft = { ok: true, hash: bundleHash(files) };
    inputs.forEach((v, i) => own.set(v.id, { key: keys[i]!, own: { hashes: hashFiles(vhostFiles(files, v.domain)) } }));
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    draft = { ok: false, error: err.message, vhost: err.vhost, vhostId: err.vhostId, field: err.field };
    inputs.forEach((v, i) => {
      const before = cached?.settings === settingsKey ? cached.own.get(v.id) : undefined;
      own.set(v.id, before && before.key === keys[i] ? before : { key: keys[i]!, own: compileOwn(v, settings) });
    });
  }
  draftCache = { settings: settingsKey, fingerprint, draft, own };
  return draftCache;
}

/** Everything the config page shows about what Publish would change, every vhost included. */
export async function publishStatus(settings: CompilerSettings = compilerSettingsFromEnv()): Promise<PublishStatus> {
  const [latest, enabled, disabled] = await Promise.all([
    latestRevisionHead(),
    loadVhostInputs(),
    db.virtualHost.findMany({ where: { enabled: false }, select: { id: true, domain: true } }),
  ]);
  const published = await publishedHashes(latest);
  const { draft, own } = compileDraft(enabled, settings);
  const vhosts = [...enabled.map((v) => enabledState(v, own.get(v.id)!.own, published)), ...disabled.map((v) => disabledState(v, published))].sort(byDomain);
  const known = new Set(vhosts.map((v) => v.domain));
  const deletedDomains = [...new Set([...published.keys()].flatMap((f) => vhostOfFile(f) ?? []))].filter((d) => !known.has(d)).sort();
  return {
    latest,
    vhosts,
    deletedDomains,
    draft: draft.ok ? { ...draft, upToDate: latest?.contentHash === draft.hash } : draft,
  };
}

/** Every vhost's state against the latest revision, by domain. */
export async function vhostPublishStates(settings?: CompilerSettings): Promise<VhostPublishState[]> {
  return (await publishStatus(settings)).vhosts;
}

/** Every vhost whose current compiled files differ from the latest revision's (or that cannot compile). */
export async function unpublishedVhostIds(settings?: CompilerSettings): Promise<Set<string>> {
  return new Set((await vhostPublishStates(settings)).filter(isUnpublished).map((s) => s.id));
}
