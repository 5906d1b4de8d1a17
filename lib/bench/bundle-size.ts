// f. First-load JavaScript per route of a production build, gzipped, two ways:
//   - from the build's manifests: the root main files every page loads (build-manifest.json
//     rootMainFiles) plus every entry chunk of the route's client reference manifest (layouts, page,
//     error and not-found boundaries), each counted once — an upper bound;
//   - from the page itself, when the server runs: the <script src> tags of the server-rendered HTML,
//     without the nomodule polyfills current browsers skip. That is what a browser fetches first.
// Chunks loaded later on demand are not first-load in either. The edit forms load with their page (they
// hydrate at once; a submit before then is sent natively, components/native-form.tsx).
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { db } from "@/lib/db";
import type { BenchContext } from "./context";
import { get, sessionCookie, type Server } from "./http";
import { table } from "./report";

export const FIRST_LOAD_LIMIT_KB = 150;

function findManifests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findManifests(p);
    return e.name === "page_client-reference-manifest.js" ? [p] : [];
  });
}

export type RouteSize = { route: string; chunks: number; rawKb: number; gzipKb: number };

function chunkSizes(next: string) {
  const sizes = new Map<string, { raw: number; gzip: number }>();
  return (file: string) => {
    let s = sizes.get(file);
    if (!s) {
      const buf = fs.readFileSync(path.join(next, file));
      s = { raw: buf.length, gzip: gzipSync(buf).length };
      sizes.set(file, s);
    }
    return s;
  };
}

export function firstLoadSizes(appDir: string): { routes: RouteSize[]; buildId: string; builtAt: Date } {
  const next = path.join(appDir, ".next");
  const buildIdFile = path.join(next, "BUILD_ID");
  if (!fs.existsSync(buildIdFile)) throw new Error(`No production build in ${next}: run next build there first.`);
  const build = JSON.parse(fs.readFileSync(path.join(next, "build-manifest.json"), "utf8")) as { rootMainFiles: string[] };
  const sizeOf = chunkSizes(next);
  const routes: RouteSize[] = [];
  for (const manifestFile of findManifests(path.join(next, "server", "app"))) {
    const g = globalThis as unknown as { __RSC_MANIFEST?: Record<string, { entryJSFiles?: Record<string, string[]> }> };
    g.__RSC_MANIFEST = {};
    new Function(fs.readFileSync(manifestFile, "utf8"))();
    for (const [key, manifest] of Object.entries(g.__RSC_MANIFEST)) {
      const files = new Set<string>(build.rootMainFiles);
      for (const list of Object.values(manifest.entryJSFiles ?? {})) for (const f of list) files.add(f.replace(/^\/?_next\//, ""));
      const total = [...files].reduce((acc, f) => {
        const s = sizeOf(f);
        return { raw: acc.raw + s.raw, gzip: acc.gzip + s.gzip };
      }, { raw: 0, gzip: 0 });
      const route = key.replace(/\/page$/, "").replace(/\/\([^)]+\)/g, "") || "/";
      routes.push({ route, chunks: files.size, rawKb: total.raw / 1024, gzipKb: total.gzip / 1024 });
    }
  }
  routes.sort((a, b) => a.route.localeCompare(b.route));
  return { routes, buildId: fs.readFileSync(buildIdFile, "utf8").trim(), builtAt: fs.statSync(buildIdFile).mtime };
}

/** A real path for a route pattern: [id] segments filled with an existing row's id, or null. */
async function concretePath(route: string): Promise<string | null> {
  if (!route.includes("[")) return route;
  const ids: Record<string, () => Promise<string | undefined>> = {
    vhosts: async () => (await db.virtualHost.findFirst({ select: { id: true } }))?.id,
    audit: async () => (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { id: true } }))?.id,
    templates: async () => (await db.policyTemplate.findFirst({ select: { id: true } }))?.id,
    users: async () => (await db.user.findFirst({ select: { id: true } }))?.id,
  };
  const first = route.split("/")[1] ?? "";
  const segments = route.split("/").filter((x) => /^\[[^\]]+\]$/.test(x));
  if (segments.length !== 1 || !ids[first]) return null;
  const id = await ids[first]!();
  return id ? route.replace(segments[0]!, id) : null;
}

/** The gzipped size of the scripts a browser loads first for `pathname`, read from the rendered HTML. */
async function htmlFirstLoad(appDir: string, server: Server, cookie: string, pathname: string): Promise<{ kb: number; chunks: number } | string> {
  const r = await get(server.baseUrl + pathname, { cookie }, undefined, true);
  if (r.status !== 200) return `${r.status}`;
  const sizeOf = chunkSizes(path.join(appDir, ".next"));
  const files = new Set<string>();
  for (const m of r.body!.matchAll(/<script\b[^>]*>/g)) {
    if (/\bnoModule\b/i.test(m[0])) continue;
    const src = /\bsrc="\/_next\/([^"?]+)/.exec(m[0])?.[1];
    if (src) files.add(src);
  }
  return { kb: [...files].reduce((a, f) => a + sizeOf(f).gzip, 0) / 1024, chunks: files.size };
}

export async function bundleSizePart(ctx: BenchContext, server: Server | null) {
  const { routes, buildId, builtAt } = firstLoadSizes(ctx.options.appDir);
  let cookie = "";
  if (server) {
    const admin = (await db.user.findFirst({ where: { email: "admin@palisade.local" } })) ?? (await db.user.findFirst({ where: { role: "ADMIN", disabled: false } }));
    cookie = admin ? await sessionCookie(server.secret, admin.email) : "";
  }
  const rows: (string | number)[][] = [];
  let worst = { route: "", kb: 0 };
  for (const r of routes) {
    let html: string = r.route.startsWith("/_") ? "— (Next's own error page)" : "not measured (no server)";
    let judged = r.gzipKb;
    if (server && !r.route.startsWith("/_")) {
      const p = await concretePath(r.route);
      // The sign-in page redirects a signed-in user: it is loaded signed out.
      const routeCookie = r.route === "/login" ? "" : cookie;
      const m = p ? await htmlFirstLoad(ctx.options.appDir, server, routeCookie, p) : "no id to fill in";
      if (typeof m === "string") html = `— (${m})`;
      else {
        html = `**${m.kb.toFixed(1)} kB** (${m.chunks} chunks)`;
        judged = m.kb;
      }
    }
    if (judged > worst.kb) worst = { route: r.route, kb: judged };
    rows.push([r.route, html, `${r.gzipKb.toFixed(1)} kB (${r.chunks} chunks, ${r.rawKb.toFixed(0)} kB raw)`, judged <= FIRST_LOAD_LIMIT_KB ? "✓" : "✗"]);
  }
  const body = [
    `Build ${buildId} of ${builtAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${ctx.options.appDir}), Next.js production build (Turbopack); gzip level 6.`,
    "",
    table(["route", "first-load JS gzipped: the page's <script> tags", "upper bound from the manifests", `≤ ${FIRST_LOAD_LIMIT_KB} kB`], rows),
    "",
    `Largest: ${worst.route} at ${worst.kb.toFixed(1)} kB gzipped. The first column counts the scripts of the server-rendered page as an ADMIN sees it ` +
      "(nomodule polyfills excluded: current browsers skip them); the last, build-manifest.json rootMainFiles plus every entryJSFiles chunk of the " +
      "route's client reference manifest (layouts, page, error and not-found boundaries), each file once. The target is judged on the first where measured. " +
      "Edit forms load with their page (react-hook-form included) and hydrate at once; what is typed or submitted before then is the browser's own " +
      "(components/native-form.tsx). Loading them at the first interaction instead, with the input replayed, saved text the user never typed (issue 14).",
  ].join("\n");
  return [{ key: "f", title: "f. First-load JavaScript per route", body }];
}
