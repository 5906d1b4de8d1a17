// Who may do what. The UI hides controls with `can`, but every server action and route handler checks
// the same table itself (lib/auth/action.ts): the UI is never the guard.
import type { Role } from "@/lib/db";

const ALL: Role[] = ["ADMIN", "EDITOR", "AUDITOR"];

export const PERMISSIONS = {
  "session.self": ALL,
  "vhost.read": ALL,
  "vhost.write": ["ADMIN", "EDITOR"],
  "policy.write": ["ADMIN", "EDITOR"],
  "audit.read": ALL,
  "event.read": ALL,
  /** How many days of WAF events are kept (lib/events/settings.ts). */
  "event.retention": ["ADMIN"],
  "audit.export": ["ADMIN", "AUDITOR"],
  "audit.verify": ["ADMIN", "AUDITOR"],
  "audit.archive": ["ADMIN"],
  "user.manage": ["ADMIN"],
  /** Panel-wide sign-in rules (two-factor required for admins). */
  "security.manage": ["ADMIN"],
  "template.manage": ["ADMIN"],
  "config.publish": ["ADMIN"],
  /** Applying a configuration file (lib/configcode): it can change and delete everything at once. */
  "config.apply": ["ADMIN"],
  /** Replaying traffic through a candidate bundle (lib/replay): those who prepare changes. */
  "replay.run": ["ADMIN", "EDITOR"],
  "node.manage": ["ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
