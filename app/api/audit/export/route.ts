// GET /api/audit/export?format=csv|jsonl&<the audit list's filter parameters>
// Streams the filtered audit log as a download. ADMIN and AUDITOR only (checked here, not only in the
// UI); a refused attempt is recorded as a security event. The export itself is audited before it starts.
import { requestMeta } from "@/lib/auth/action";
import { can } from "@/lib/auth/permissions";
import { getSessionUser } from "@/lib/auth/session";
import { recordDeniedRequest } from "@/lib/audit/denied";
import { startAuditExport } from "@/lib/audit/export";
import { EXPORT_CONTENT_TYPES, type ExportFormat } from "@/lib/audit/export-format";
import { parseAuditFilter } from "@/lib/audit/filters";

export const dynamic = "force-dynamic";

function problem(status: number, error: string, problems?: string[]) {
  return Response.json({ error, ...(problems ? { problems } : {}) }, { status, headers: { "cache-control": "no-store" } });
}

export async function GET(request: Request) {
  const user = await getSessionUser();
  if (!user) return problem(401, "Your session has ended. Sign in again.");
  const meta = await requestMeta();
  if (!can(user.role, "audit.export")) {
    await recordDeniedRequest(user, meta, "GET /api/audit/export", "audit.export");
    return problem(403, "Your role does not allow exporting the audit log.");
  }
  const params = new URL(request.url).searchParams;
  const format = params.get("format");
  if (format !== "csv" && format !== "jsonl") return problem(400, `Choose format=csv or format=jsonl.`);
  const { filter, problems } = parseAuditFilter(params);
  // An export must be exactly what was asked for: a filter part that does not parse is an error here.
  if (problems.length) return problem(400, "The filter has values that cannot be used.", problems);
  try {
    const { stream, fileName } = await startAuditExport({ actor: { id: user.id, email: user.email }, meta }, filter, format as ExportFormat);
    return new Response(stream, {
      headers: {
        "content-type": EXPORT_CONTENT_TYPES[format],
        "content-disposition": `attachment; filename="${fileName}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "audit export could not start", error: String((err as Error)?.stack ?? err) }));
    return problem(500, "The export could not start; nothing was exported. Try again, and tell an administrator if it persists.");
  }
}
