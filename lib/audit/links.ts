// Where an audit event's entity lives in the panel, if anywhere (a deleted vhost has no page).
type EventRef = { entityType: string; entityId: string; vhostId: string | null };

const VHOST_SECTIONS: Record<string, string> = {
  WafPolicy: "/policy",
  IpList: "/ip-lists",
  CustomRule: "/rules",
  RuleExclusion: "/exclusions",
};

export function entityHref(e: EventRef, vhostExists: boolean): { href: string; label: string } | null {
  if (e.entityType === "AuditArchive") return { href: "/audit/archive", label: "the archives" };
  if (e.entityType === "VirtualHost") return vhostExists ? { href: `/vhosts/${e.entityId}`, label: "the virtual host" } : null;
  if (e.vhostId && vhostExists) {
    const section = VHOST_SECTIONS[e.entityType];
    return section ? { href: `/vhosts/${e.vhostId}${section}`, label: `the virtual host's ${section.slice(1).replace("-", " ")}` } : { href: `/vhosts/${e.vhostId}`, label: "the virtual host" };
  }
  return null;
}
