// GET /api/v1/openapi.json: the REST API's OpenAPI 3.1 document (public: it describes, it grants nothing).
import { openApiDocument } from "@/lib/api/openapi";
import { anyone, defineRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = defineRoute({ name: "GET /api/v1/openapi.json", auth: anyone }, async () =>
  Response.json(openApiDocument(), { headers: { "cache-control": "no-cache" } }),
);
