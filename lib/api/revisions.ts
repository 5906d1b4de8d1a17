// /api/v1/revisions: list, read, preview, publish, roll back and compare published configuration revisions —
// the same services as the /config pages (lib/config), so the compiler and the engine check every publish.
// As in the panel, a publish stores exactly what was previewed: GET /revisions/preview answers the diff
// with the bundle's content hash as ETag, and POST /revisions needs it back (If-Match), or stores nothing.
import "server-only";
import { z } from "zod";
import { compareRevisions, DiffParamsSchema, getRevisionFiles, listRevisionPage, publishPreview } from "@/lib/config/queries";
import { PublishSchema, RollbackSchema } from "@/lib/config/schema";
import { PreviewChangedError, publishConfig, refusalOf, rollbackConfig, StaleRevisionError, type PublishOutcome } from "@/lib/config/service";
import { FieldValidationError, NotFoundError } from "@/lib/errors";
import { HttpError } from "@/lib/http/route";
import { API_BASE, apiRoute, decodeCursor, encodeCursor, json, PageQuerySchema } from "./define";
import { parseFingerprint } from "./configcode";
import { ProblemSchema } from "./schemas";
import { problems } from "./vhosts";

const timestamp = z.string().meta({ format: "date-time" });
const ChangesSchema = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()), shared: z.array(z.string()) });

export const RevisionSchema = z
  .object({
    number: z.number().int(),
    contentHash: z.string(),
    summary: z.string(),
    changes: ChangesSchema,
    engineChecked: z.boolean(),
    rollbackOf: z.number().int().nullable(),
    createdByEmail: z.string().optional(),
    createdAt: timestamp,
  })
  .meta({ id: "Revision" });
const RevisionPageSchema = z.object({ items: z.array(RevisionSchema), next: z.string().nullable() }).meta({ id: "RevisionPage" });
const RevisionFilesSchema = z
  .object({ number: z.number().int(), contentHash: z.string(), summary: z.string(), engineChecked: z.boolean(), rollbackOf: z.number().int().nullable(), createdByEmail: z.string(), createdAt: timestamp, files: z.record(z.string(), z.string()) })
  .meta({ id: "RevisionWithFiles" });
const PublishResultSchema = z
  .object({ status: z.enum(["published", "unchanged"]), revision: RevisionSchema.nullable(), latest: z.number().int().nullable(), message: z.string().nullable() })
  .meta({ id: "PublishResult" });
const DiffLineSchema = z.object({ kind: z.enum(["same", "add", "del"]), text: z.string(), oldLine: z.number().int().nullable(), newLine: z.number().int().nullable() });
const FileDiffSchema = z.object({
  path: z.string(),
  status: z.enum(["added", "removed", "changed", "unchanged"]),
  added: z.number().int(),
  removed: z.number().int(),
  hunks: z.array(z.object({ oldStart: z.number().int(), oldLines: z.number().int(), newStart: z.number().int(), newLines: z.number().int(), lines: z.array(DiffLineSchema) })),
});
const PreviewSchema = z
  .object({
    fingerprint: z.string().meta({ description: "The content hash of the bundle Publish would store (also the ETag): send it back as If-Match to POST /revisions." }),
    latest: z.number().int().nullable().meta({ description: "The latest revision, which the preview compares with (null before the first publish): send it as basedOn." }),
    upToDate: z.boolean().meta({ description: "The latest revision already has this content: nothing to publish." }),
    changes: ChangesSchema,
    files: z.array(FileDiffSchema),
  })
  .meta({ id: "PublishPreview" });
const PublishProblemSchema = ProblemSchema.extend({
  currentHash: z.string().optional().meta({ description: "The content hash the stored state compiles to now (412 after it changed since the preview): review GET /revisions/preview again." }),
}).meta({ id: "PublishProblem", description: "RFC 9457 problem details; a 412 has `currentVersion` (a revision was published since: basedOn is stale) or `currentHash` (the configuration changed since the preview)." });
const DiffSchema = z
  .object({ from: z.object({ label: z.string(), error: z.string().optional() }), to: z.object({ label: z.string(), error: z.string().optional() }), files: z.array(FileDiffSchema).nullable() })
  .meta({ id: "RevisionDiff" });

function revisionBody(r: { number: number; contentHash: string; summary: string; changes: unknown; engineChecked: boolean; rollbackOf: number | null; createdByEmail?: string; createdAt: Date }) {
  return { ...r, changes: r.changes as z.infer<typeof ChangesSchema>, createdAt: r.createdAt.toISOString() };
}

/** A publish or roll back as an HTTP answer: 201 + Location for a new revision, 200 when nothing changed. */
async function outcome(run: () => Promise<PublishOutcome>): Promise<Response> {
  let r: PublishOutcome;
  try {
    r = await run();
  } catch (err) {
    if (err instanceof StaleRevisionError) throw new HttpError(412, err.message, { body: { currentVersion: err.latest ?? 0 } });
    if (err instanceof PreviewChangedError) throw new HttpError(412, err.message, { headers: { etag: `"${err.current}"` }, body: { currentHash: err.current } });
    const refusal = await refusalOf(err);
    if (refusal) throw new HttpError(422, refusal.message, { body: { errors: Object.fromEntries(refusal.problems.map((p, i) => [p.vhost ?? `problem${i + 1}`, [p.message]])) } });
    throw err;
  }
  if (r.status === "unchanged") return json({ status: "unchanged", revision: null, latest: r.latest, message: r.message });
  return json(
    { status: "published", revision: revisionBody(r.revision), latest: r.revision.number, message: r.engineNote },
    { status: 201, headers: { location: `${API_BASE}/revisions/${r.revision.number}` } },
  );
}

const NumberParams = z.object({ number: z.coerce.number().int().min(1).max(1_000_000_000) });

export const revisionRoutes = [
  apiRoute({
    method: "GET",
    path: "/revisions",
    operationId: "listRevisions",
    summary: "Published revisions, newest first (cursor paging)",
    tag: "Revisions",
    permission: "vhost.read",
    scope: "read",
    query: PageQuerySchema,
    responses: { 200: { description: "A page of revisions", schema: RevisionPageSchema }, ...problems(400, 401, 403, 429) },
    handler: async ({ query }) => {
      const below = decodeCursor(query.cursor, z.object({ n: z.number().int() }));
      const page = await listRevisionPage({ belowNumber: below?.n, limit: query.limit });
      const last = page.rows.at(-1);
      return json({ items: page.rows.map(({ id: _id, ...r }) => revisionBody(r)), next: page.hasMore && last ? encodeCursor({ n: last.number }) : null });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/revisions/preview",
    operationId: "previewPublish",
    summary: "What Publish would store now, file by file against the latest revision, and the vhosts it changes (the panel's publish preview); ETag: the bundle's content hash, for If-Match on POST /revisions",
    tag: "Revisions",
    permission: "vhost.read",
    scope: "read",
    responses: {
      200: { description: "The preview", schema: PreviewSchema, headers: ["ETag"] },
      ...problems(401, 403, 429),
      422: { description: "The stored configuration cannot be compiled: `errors` names the vhost", schema: ProblemSchema },
    },
    handler: async () => {
      const p = await publishPreview();
      if (!p.ok) {
        const where = p.vhost ?? "settings";
        throw new HttpError(422, `The stored configuration cannot be compiled, so there is nothing to publish: ${where}${p.field ? `, field ${p.field}` : ""}: ${p.error}`, { body: { errors: { [where]: [p.error] } } });
      }
      return json({ fingerprint: p.fingerprint, latest: p.latest?.number ?? null, upToDate: p.upToDate, changes: p.changes, files: p.files }, { headers: { etag: `"${p.fingerprint}"` } });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/revisions",
    operationId: "publish",
    summary:
      "Publish exactly what you reviewed, as the panel publishes from its preview: If-Match is the ETag of GET /revisions/preview (or send its fingerprint as `previewed`), " +
      "basedOn the latest revision it showed. If the configuration compiles to anything else now, nothing is published: 412 with `currentHash`. Without a preview hash: 428",
    tag: "Revisions",
    permission: "config.publish",
    scope: "write",
    body: PublishSchema.extend({ previewed: PublishSchema.shape.previewed.optional().meta({ description: "The preview's fingerprint, if not sent as If-Match." }) }),
    ifMatch: "fingerprint",
    ifMatchText: "The ETag of GET /revisions/preview (the content hash of the bundle you reviewed): if the configuration compiles to anything else now, 412",
    responses: {
      201: { description: "Published; Location names the revision", schema: PublishResultSchema, headers: ["Location"] },
      200: { description: "Nothing to publish: the latest revision has this content", schema: PublishResultSchema },
      ...problems(400, 401, 403, 422, 428, 429),
      412: {
        description: "Nothing was published: `currentVersion` is the latest revision (one was published since: basedOn is stale), or `currentHash` (also the ETag) what the configuration compiles to now (it changed since the preview)",
        schema: PublishProblemSchema,
        headers: ["ETag"],
      },
    },
    handler: async ({ body, principal, request }) => {
      const header = parseFingerprint(request.headers.get("if-match"), "If-Match must be the ETag of GET /api/v1/revisions/preview (the content hash in quotes).");
      if (header !== null && body.previewed !== undefined && header !== body.previewed) {
        throw new FieldValidationError({ previewed: ["If-Match names another preview: send one of them."] });
      }
      const previewed = header ?? body.previewed;
      if (previewed === undefined) {
        throw new HttpError(428, "Publish what you reviewed: send If-Match with the ETag of GET /api/v1/revisions/preview (the panel, too, publishes only from its preview).");
      }
      return outcome(() => publishConfig(principal.audit, { basedOn: body.basedOn, previewed }));
    },
  }),
  apiRoute({
    method: "GET",
    path: "/revisions/diff",
    operationId: "diffRevisions",
    summary: 'Line diff between two revisions, or a revision and "draft" (the stored state compiled now)',
    tag: "Revisions",
    permission: "vhost.read",
    scope: "read",
    query: DiffParamsSchema,
    responses: { 200: { description: "The diff, file by file", schema: DiffSchema }, ...problems(400, 401, 403, 429) },
    handler: async ({ query }) => {
      const c = await compareRevisions(query.from, query.to);
      const side = (x: typeof c.from) => ("error" in x ? { label: x.label, error: x.error } : { label: x.label });
      return json({ from: side(c.from), to: side(c.to), files: c.files });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/revisions/{number}",
    operationId: "getRevision",
    summary: "One revision with its files",
    tag: "Revisions",
    permission: "vhost.read",
    scope: "read",
    params: NumberParams,
    responses: { 200: { description: "The revision", schema: RevisionFilesSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const r = await getRevisionFiles(params.number);
      if (!r) throw new NotFoundError(`Revision ${params.number} does not exist.`);
      return json({ ...r, createdAt: r.createdAt.toISOString() });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/revisions/{number}/rollback",
    operationId: "rollback",
    summary: "Publish an older revision's bundle again as a new revision (basedOn: the latest revision you saw)",
    tag: "Revisions",
    permission: "config.publish",
    scope: "write",
    params: NumberParams,
    body: RollbackSchema.omit({ revision: true }),
    responses: {
      201: { description: "Rolled back; Location names the new revision", schema: PublishResultSchema, headers: ["Location"] },
      200: { description: "The latest revision already has that content", schema: PublishResultSchema },
      ...problems(400, 401, 403, 404, 412, 422, 429),
    },
    handler: async ({ params, body, principal }) => outcome(() => rollbackConfig(principal.audit, { revision: params.number, basedOn: body.basedOn })),
  }),
];
