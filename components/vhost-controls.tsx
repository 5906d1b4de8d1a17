"use client";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { deleteVhostAction, setVhostEnabledAction } from "@/lib/vhosts/actions";
import { applyActionErrors } from "./action-result";
import { toast } from "./toast";
import { Button } from "./ui";
import { useIdempotentSend } from "./native-form";

/** `domain`: the name as the page shows it (lib/vhosts/display.ts). */
export function VhostEnableToggle({ id, version, enabled, domain }: { id: string; version: number; enabled: boolean; domain: string }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <Button
      type="button"
      variant="secondary"
      disabled={pending}
      aria-label={`${enabled ? "Disable" : "Enable"} ${domain}`}
      onClick={async () => {
        setPending(true);
        const r = await send(setVhostEnabledAction, { id, version, enabled: !enabled });
        setPending(false);
        if (!r.ok) return applyActionErrors(r);
        toast.success(`${r.data.enabled ? "Enabled" : "Disabled"} ${domain}.`);
        router.refresh();
      }}
    >
      {enabled ? "Disable" : "Enable"}
    </Button>
  );
}

/** `domain`: the stored (punycode) name; `unicode`: its Unicode form, for an internationalised name. Either may be typed to confirm. */
export function VhostDeleteButton({ id, version, domain, unicode = domain }: { id: string; version: number; domain: string; unicode?: string }) {
  const label = unicode === domain ? domain : `${unicode} (${domain})`;
  const confirmed = (text: string) => [domain, unicode].includes(text.trim().toLowerCase());
  const { send } = useIdempotentSend();
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);
  return (
    <>
      <Button type="button" variant="danger" onClick={() => dialog.current?.showModal()}>
        Delete
      </Button>
      <dialog ref={dialog} aria-labelledby={`del-${id}`} className="m-auto max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40">
        <h2 id={`del-${id}`} className="mb-2 text-lg font-semibold">
          Delete {label}?
        </h2>
        <p className="mb-4 text-sm text-slate-600">
          This removes the virtual host with its WAF policy, IP lists, custom rules and exclusions. The audit log keeps a full copy. Type the domain to confirm.
        </p>
        <input
          aria-label="Type the domain to confirm"
          className="mb-4 block w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoFocus
        />
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </Button>
          <Button
            type="button"
            variant="danger"
            disabled={!confirmed(typed) || pending}
            onClick={async () => {
              setPending(true);
              const r = await send(deleteVhostAction, { id, version });
              setPending(false);
              dialog.current?.close();
              if (!r.ok) return applyActionErrors(r);
              toast.success(`Deleted ${label}.`);
              router.push("/vhosts");
              router.refresh();
            }}
          >
            Delete permanently
          </Button>
        </div>
      </dialog>
    </>
  );
}
