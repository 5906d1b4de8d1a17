// The templates every installation has. They live in code (this file is their source of truth):
// `npm run db:migrate` (and db:setup, db:bootstrap) writes them to the database after the migrations,
// through an audited upsert, and nobody edits them in the panel — an admin who wants a variant creates a
// custom template. Pages only read them: a read never writes.
import type { TemplatePolicy } from "./schema";

export type BuiltInTemplate = { name: string; description: string; policy: TemplatePolicy };

export const BUILT_IN_TEMPLATES: readonly BuiltInTemplate[] = [
  {
    name: "balanced",
    description:
      "CRS's own defaults and the right start for most sites: blocking at paranoia level 1, anomaly thresholds 5 (inbound) / 4 (outbound). " +
      "Few false positives; catches the common attacks.",
    policy: { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4, exclusions: [] },
  },
  {
    name: "strict",
    description:
      "For sensitive sites (logins, payments, admin areas): blocks at paranoia level 2 and logs what level 3 would add, thresholds 5 / 4. " +
      "Expect false positives: watch the log for a while after switching and add exclusions where the application needs them.",
    policy: { engineMode: "BLOCKING", blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 5, outboundThreshold: 4, exclusions: [] },
  },
  {
    name: "API",
    description:
      "For JSON/XML APIs used by programs rather than browsers: blocks at paranoia level 1 with inbound threshold 5 (outbound 4), and logs " +
      "what level 2 would add — API traffic is uniform, so that log shows quickly whether the API can run stricter. " +
      "No exclusions on purpose: CRS already accepts JSON and XML request bodies, and a generic exclusion would weaken every API that does " +
      "not need it; exclude what your API's log shows, limited to its path.",
    policy: { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 2, inboundThreshold: 5, outboundThreshold: 4, exclusions: [] },
  },
];

const BUILT_IN_NAMES = new Set(BUILT_IN_TEMPLATES.map((t) => t.name.toLowerCase()));

/** Built-in names are reserved (in any letter case) so a custom template can never shadow one. */
export function isBuiltInName(name: string): boolean {
  return BUILT_IN_NAMES.has(name.trim().toLowerCase());
}
