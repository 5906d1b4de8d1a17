// GET, PUT, DELETE /api/v1/templates/{id}: defined in lib/api (see lib/api/routes.ts).
import { handlersFor } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

const handlers = handlersFor(API_ROUTES, "/templates/{id}");
export const GET = handlers.GET!;
export const PUT = handlers.PUT!;
export const DELETE = handlers.DELETE!;
