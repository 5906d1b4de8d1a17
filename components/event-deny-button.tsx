"use client";
// "Deny this address" on an event: adds the client address to the vhost's deny list through the same
// audited action as the IP lists tab (addIpEntriesAction), naming the event in the audit row.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { addIpEntriesAction } from "@/lib/policies/actions";
import { useIdempotentSend } from "./native-form";
import { Button } from "./ui";

export function EventDenyButton({ vhostId, address, eventId, domain }: { vhostId: string; address: string; eventId: string; domain: string }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div className="space-y-1">
      <Button
        type="button"
        variant="secondary"
        disabled={pending}
        onClick={async () => {
          setPending(true);
          const r = await send(addIpEntriesAction, { vhostId, kind: "DENY", text: address, confirmWide: false, fromEvent: eventId });
          setPending(false);
          if (!r.ok) return setMessage({ ok: false, text: r.error });
          const line = r.data.lines[0];
          setMessage(
            r.data.addedCount > 0
              ? { ok: true, text: `${address} is now on the deny list of ${domain} (takes effect with the next published config).` }
              : { ok: false, text: line?.message || `${address} was not added.` },
          );
          router.refresh();
        }}
      >
        {pending ? "Adding…" : `Deny ${address}`}
      </Button>
      {message && (
        <p role={message.ok ? "status" : "alert"} className={message.ok ? "text-sm text-green-800" : "text-sm text-red-700"} data-testid="deny-result">
          {message.text}
        </p>
      )}
    </div>
  );
}
