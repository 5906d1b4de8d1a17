// Every route of the REST API (/api/v1, the node API apart). The route files in app/api/v1 export
// handlersFor(API_ROUTES, path); the OpenAPI document and the authorization test read this list.
import "server-only";
import { auditRoutes } from "./audit";
import { configRoutes } from "./configcode";
import type { ApiRoute } from "./define";
import { policyItemRoutes } from "./policy-items";
import { revisionRoutes } from "./revisions";
import { copyPolicyRoutes, templateRoutes } from "./templates";
import { vhostRoutes } from "./vhosts";

export const API_ROUTES: ApiRoute[] = [...vhostRoutes, ...copyPolicyRoutes, ...policyItemRoutes, ...templateRoutes, ...revisionRoutes, ...auditRoutes, ...configRoutes];
