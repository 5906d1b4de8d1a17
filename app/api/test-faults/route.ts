// Test-only: switches injected faults on and off (lib/testing/fault-injection.ts). 404 unless the server
// runs with PALISADE_TEST_FAULTS=1, which only the Playwright config sets.
import { setRenderFault, testFaultsEnabled } from "@/lib/testing/fault-injection";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  if (!testFaultsEnabled()) return new Response("Not found", { status: 404 });
  const body = (await request.json().catch(() => ({}))) as { renderFault?: unknown };
  setRenderFault(body.renderFault === true);
  return Response.json({ renderFault: body.renderFault === true });
}
