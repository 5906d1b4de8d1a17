// What a page answers (403) when lib/auth/page-access.ts refuses the signed-in role: inside the panel
// layout, so the navigation stays. Needs `experimental.authInterrupts` (next.config.js).
import { RefusalPanel } from "@/components/refusal-panel";
import { getSessionUser } from "@/lib/auth/session";

export default async function Forbidden() {
  const user = await getSessionUser();
  return <RefusalPanel role={user?.role ?? null} />;
}
