// GET /api/v1/revisions/preview: defined in lib/api (see lib/api/routes.ts).
import { handlersFor } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

const handlers = handlersFor(API_ROUTES, "/revisions/preview");
export const GET = handlers.GET!;
