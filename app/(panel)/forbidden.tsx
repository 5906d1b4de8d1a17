// What a page answers (403) when lib/auth/page-access.ts refuses the signed-in role: inside the panel
// layout, so the navigation (and who is signed in, with which role) stays. Needs `experimental.authInterrupts`
// (next.config.js). Next renders this with every panel page, refused or not, so it reads nothing itself.
import { RefusalPanel } from "@/components/refusal-panel";

export default function Forbidden() {
  return <RefusalPanel />;
}
