// POST /api/v1/vhosts/{id}/policy/copy: defined in lib/api (see lib/api/routes.ts).
import { handlersFor } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

const handlers = handlersFor(API_ROUTES, "/vhosts/{id}/policy/copy");
export const POST = handlers.POST!;
