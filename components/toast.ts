// Toasts through sonner, fetched after the page has loaded: a toast only ever follows something the user
// did, so sonner stays out of every page's first-load JavaScript. A toast asked for before sonner's
// <Toaster> listens (./toaster.tsx) waits for it instead of being lost.
import type { ExternalToast } from "sonner";

let listening: () => void = () => {};
const toasterListens = new Promise<void>((resolve) => (listening = resolve));

/** Called by ./toaster.tsx once sonner's <Toaster> has subscribed to new toasts. */
export function markToasterListening() {
  listening();
}

type Kind = "success" | "error" | "info" | "warning";
const show =
  (kind: Kind) =>
  (message: string, options?: ExternalToast): void =>
    void toasterListens.then(() => import("sonner")).then(({ toast }) => toast[kind](message, options));

export const toast = { success: show("success"), error: show("error"), info: show("info"), warning: show("warning") };
