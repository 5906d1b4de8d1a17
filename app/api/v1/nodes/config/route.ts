// GET /api/v1/nodes/config — the latest published revision for a WAF node (bearer token; lib/nodes/api.ts).
import { getNodeConfig } from "@/lib/nodes/api";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return getNodeConfig(request);
}
