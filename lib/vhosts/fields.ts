// The virtual host form's choices. No zod here: client components import this without the schemas.
export const TLS_MODES = ["NONE", "TERMINATE", "REDIRECT"] as const;
export const TLS_VERSIONS = ["TLS1_2", "TLS1_3"] as const;
export const TLS_MODE_LABELS: Record<(typeof TLS_MODES)[number], string> = {
  NONE: "No TLS (HTTP only)",
  TERMINATE: "Terminate TLS (HTTPS)",
  REDIRECT: "HTTPS, and redirect HTTP to HTTPS",
};
