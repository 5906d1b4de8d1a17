// The list of the signed-in user's active sessions on /account (server component).
import { currentSessionId } from "@/lib/auth/session";
import { listActiveSessions } from "@/lib/auth/user-sessions";
import { SessionList } from "./session-list";

export async function SessionsSection({ user }: { user: { id: string } }) {
  const sessions = await listActiveSessions(user, await currentSessionId());
  return (
    <SessionList
      sessions={sessions.map((s) => ({ ...s, createdAt: s.createdAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString() }))}
    />
  );
}
