"use client";
import { toast } from "./toast";
import { Button } from "./ui";

/** The token, once: it is not stored, so closing this loses it (rotate to get a new one). */
export function TokenOnce({ name, token, panelUrl, onDone }: { name: string; token: string; panelUrl: string; onDone: () => void }) {
  return (
    <div role="status" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950" data-testid="node-token">
      <p className="font-medium">Token for {name} — copy it now. The panel stores only its hash and will not show it again.</p>
      <div className="flex items-center gap-2">
        <code className="block flex-1 break-all rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs" aria-label={`Token for ${name}`}>
          {token}
        </code>
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(token);
              toast.success("Token copied.");
            } catch {
              toast.error("The browser refused the clipboard: select the token and copy it.");
            }
          }}
        >
          Copy
        </Button>
      </div>
      <p>
        On the node, save it in a file only root can read (for example <code className="font-mono text-xs">/etc/palisade/node-token</code>, mode 600), then run the agent:
        <code className="mt-1 block break-all rounded bg-white px-2 py-1 font-mono text-xs">
          npm run node:agent -- --panel {panelUrl} --token-file /etc/palisade/node-token --dir /var/lib/palisade-node
        </code>
      </p>
      <Button type="button" variant="secondary" onClick={onDone}>
        I have saved it
      </Button>
    </div>
  );
}
