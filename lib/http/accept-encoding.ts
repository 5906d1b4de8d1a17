// Content negotiation for the node API's compressed answers (lib/nodes/api.ts keeps a gzip copy of each
// revision's body): RFC 9110 §12.5.3 Accept-Encoding, reduced to the one question it needs.

/** True when an Accept-Encoding header allows gzip (named with a non-zero q, or `*` and gzip not refused). */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.toLowerCase().split(",")) {
    const [coding, ...params] = part.trim().split(";").map((p) => p.trim());
    const q = params.find((p) => p.startsWith("q="));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (coding === "gzip" || coding === "x-gzip") return allowed;
    if (coding === "*") star = allowed;
  }
  return star;
}
