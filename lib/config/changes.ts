// What changed between two bundles, per vhost: a vhost owns `vhosts/<domain>.conf` and
// `rules/<domain>.conf`; every other file (nginx.conf, modsecurity/main.conf) is shared. Pure.
import type { BundleFiles } from "./hash";

export type BundleChanges = {
  /** Domains whose files are new. */
  added: string[];
  /** Domains whose files are gone (deleted, disabled or renamed vhosts). */
  removed: string[];
  /** Domains whose server block or rules changed. */
  changed: string[];
  /** Shared files whose content changed for a reason other than a vhost coming or going. */
  shared: string[];
};

const VHOST_FILE = /^(?:vhosts|rules)\/(.+)\.conf$/;

/** The domain a bundle file belongs to, or null for a shared file. */
export function vhostOfFile(file: string): string | null {
  return VHOST_FILE.exec(file)?.[1] ?? null;
}

/** A vhost's own files in a bundle, by path (empty when the bundle does not serve it). */
export function vhostFiles(files: BundleFiles, domain: string): BundleFiles {
  const own: BundleFiles = {};
  for (const path of [`vhosts/${domain}.conf`, `rules/${domain}.conf`]) if (path in files) own[path] = files[path]!;
  return own;
}

function domains(files: BundleFiles): Set<string> {
  const out = new Set<string>();
  for (const f of Object.keys(files)) {
    const d = vhostOfFile(f);
    if (d !== null) out.add(d);
  }
  return out;
}

function sameFiles(a: BundleFiles, b: BundleFiles): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && a[k] === b[k]);
}

/**
 * nginx.conf lists one include per vhost: those lines (and the blank lines around them, which mean
 * nothing to nginx) are explained by `added`/`removed` already.
 */
function withoutVhostIncludes(file: string, text: string): string {
  return file === "nginx.conf" ? text.split("\n").filter((l) => l.trim() !== "" && !/^\s*include vhosts\//.test(l)).join("\n") : text;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareBundles(before: BundleFiles | null, after: BundleFiles): BundleChanges {
  const prev = before ?? {};
  const was = domains(prev);
  const now = domains(after);
  const added = [...now].filter((d) => !was.has(d)).sort(byName);
  const removed = [...was].filter((d) => !now.has(d)).sort(byName);
  const changed = [...now].filter((d) => was.has(d) && !sameFiles(vhostFiles(prev, d), vhostFiles(after, d))).sort(byName);
  const sharedNames = new Set([...Object.keys(prev), ...Object.keys(after)].filter((f) => vhostOfFile(f) === null));
  const shared =
    before === null
      ? []
      : [...sharedNames]
          .filter((f) => withoutVhostIncludes(f, prev[f] ?? "\u0000missing") !== withoutVhostIncludes(f, after[f] ?? "\u0000missing"))
          .sort(byName);
  return { added, removed, changed, shared };
}

export function isEmptyChange(c: BundleChanges): boolean {
  return c.added.length + c.removed.length + c.changed.length + c.shared.length === 0;
}

function listNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

const vhosts = (n: number) => `${n} virtual host${n === 1 ? "" : "s"}`;

/** One line for the revision list and the audit log. */
export function describeChanges(c: BundleChanges, options: { first: boolean; vhostCount: number }): string {
  if (options.first) {
    return options.vhostCount === 0 ? "First revision: no virtual hosts" : `First revision: ${vhosts(options.vhostCount)} (${listNames(c.added)})`;
  }
  const parts: string[] = [];
  if (c.added.length) parts.push(`added ${listNames(c.added)}`);
  if (c.changed.length) parts.push(`changed ${listNames(c.changed)}`);
  if (c.removed.length) parts.push(`removed ${listNames(c.removed)}`);
  if (c.shared.length) parts.push(`shared settings changed (${c.shared.join(", ")})`);
  if (parts.length === 0) return "No file changed";
  const text = parts.join("; ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
