// GET, PUT, DELETE /api/v1/vhosts/{id}/custom-rules/{ruleId}: defined in lib/api (see lib/api/routes.ts).
import { handlersFor } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

const handlers = handlersFor(API_ROUTES, "/vhosts/{id}/custom-rules/{ruleId}");
export const GET = handlers.GET!;
export const PUT = handlers.PUT!;
export const DELETE = handlers.DELETE!;
