// POST /api/v1/nodes/events — a node's batch of WAF events (bearer token; lib/events/api.ts).
import { postNodeEvents } from "@/lib/events/api";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return postNodeEvents(request);
}
