// POST /api/v1/vhosts/{id}/enable: defined in lib/api (see lib/api/routes.ts).
import { handlersFor } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

const handlers = handlersFor(API_ROUTES, "/vhosts/{id}/enable");
export const POST = handlers.POST!;
