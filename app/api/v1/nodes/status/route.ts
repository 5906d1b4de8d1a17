// POST /api/v1/nodes/status — a WAF node reports what it applied (bearer token; lib/nodes/api.ts).
import { postNodeStatus } from "@/lib/nodes/api";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return postNodeStatus(request);
}
