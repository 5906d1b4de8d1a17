// Test-only: switches injected faults on and off (lib/testing/fault-injection.ts). 404 unless the server
// runs with PALISADE_TEST_FAULTS=1, which only the Playwright config sets.
import { NotFoundError } from "@/lib/errors";
import { anyone, defineRoute } from "@/lib/http/route";
import { setRenderFault, testFaultsEnabled } from "@/lib/testing/fault-injection";

export const dynamic = "force-dynamic";

export const POST = defineRoute({ name: "POST /api/test-faults", auth: anyone }, async ({ request }) => {
  if (!testFaultsEnabled()) throw new NotFoundError("Not found.");
  const body = (await request.json().catch(() => ({}))) as { renderFault?: unknown };
  setRenderFault(body.renderFault === true);
  return Response.json({ renderFault: body.renderFault === true });
});
