// The content hash of a bundle: SHA-256 over its canonical JSON (RFC 8785: keys sorted, one spelling
// per value), so the same files always give the same hash whatever order they were listed in. The panel
// stores it with each revision and sends it as the ETag; the node agent recomputes it before applying.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

export type BundleFiles = Record<string, string>;

export function bundleHash(files: BundleFiles): string {
  return createHash("sha256").update(canonicalize({ files }) as string).digest("hex");
}

export const CONTENT_HASH_PATTERN = /^[0-9a-f]{64}$/;
