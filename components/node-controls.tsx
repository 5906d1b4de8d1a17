"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { revokeNodeAction, rotateNodeTokenAction } from "@/lib/nodes/actions";
import { applyActionErrors } from "./action-result";
import { ConfirmButton } from "./confirm-dialog";
import { toast } from "./toast";
import { TokenOnce } from "./token-once";
import { useIdempotentSend } from "./native-form";

export function NodeRowControls({ node, panelUrl }: { node: { id: string; name: string; revoked: boolean }; panelUrl: string }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  const [issued, setIssued] = useState<string | null>(null);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap justify-end gap-2">
        <ConfirmButton
          label={node.revoked ? "Issue a new token" : "Rotate token"}
          ariaLabel={`${node.revoked ? "Issue a new token" : "Rotate token"} for ${node.name}`}
          title={`New token for ${node.name}?`}
          body={
            <>
              <p>The current token stops working at once{node.revoked ? "" : ": the node gets 401 until its token file holds the new one"}.</p>
              {node.revoked && <p>The node is revoked: with a new token it can pull again.</p>}
              <p>The new token is shown once.</p>
            </>
          }
          confirmLabel="Issue new token"
          variant="primary"
          onConfirm={async () => {
            const r = await send(rotateNodeTokenAction, { id: node.id });
            if (!r.ok) return applyActionErrors(r);
            setIssued(r.data.token);
            toast.success(`New token for ${node.name}: copy it now.`);
            router.refresh();
          }}
        />
        {!node.revoked && (
          <ConfirmButton
            label="Revoke"
            ariaLabel={`Revoke the token of ${node.name}`}
            title={`Revoke the token of ${node.name}?`}
            body={<p>The node can no longer pull configuration or report status (401). It keeps serving its last applied configuration. You can issue a new token later.</p>}
            confirmLabel="Revoke token"
            onConfirm={async () => {
              const r = await send(revokeNodeAction, { id: node.id });
              if (!r.ok) return applyActionErrors(r);
              toast.success(`Revoked the token of ${node.name}.`);
              router.refresh();
            }}
          />
        )}
      </div>
      {issued && <TokenOnce name={node.name} token={issued} panelUrl={panelUrl} onDone={() => setIssued(null)} />}
    </div>
  );
}
