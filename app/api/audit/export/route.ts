// GET /api/audit/export?format=csv|jsonl&<the audit list's filter parameters>
// Streams the filtered audit log as a download. ADMIN and AUDITOR only (checked here by the route wrapper,
// not only in the UI); a refused attempt is recorded as a security event. The export itself is audited
// before it starts. Errors answer { error, requestId } (lib/http/route.ts).
import { startAuditExport } from "@/lib/audit/export";
import { EXPORT_CONTENT_TYPES } from "@/lib/audit/export-format";
import { parseAuditFilter } from "@/lib/audit/filters";
import { defineRoute, HttpError, session } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = defineRoute(
  {
    name: "GET /api/audit/export",
    auth: session("audit.export", "Your role does not allow exporting the audit log."),
    unexpected: "The export could not start; nothing was exported. Try again, and tell an administrator if it persists.",
  },
  async ({ request, principal }) => {
    const params = new URL(request.url).searchParams;
    const format = params.get("format");
    if (format !== "csv" && format !== "jsonl") throw new HttpError(400, "Choose format=csv or format=jsonl.");
    const { filter, problems } = parseAuditFilter(params);
    // An export must be exactly what was asked for: a filter part that does not parse is an error here.
    if (problems.length) throw new HttpError(400, "The filter has values that cannot be used.", { body: { problems } });
    const { stream, fileName } = await startAuditExport(principal.audit, filter, format);
    return new Response(stream, {
      headers: {
        "content-type": EXPORT_CONTENT_TYPES[format],
        "content-disposition": `attachment; filename="${fileName}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
);
