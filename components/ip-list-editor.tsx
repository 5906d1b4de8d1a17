"use client";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { addIpEntriesAction, addIpEntriesForm, removeIpEntryAction } from "@/lib/policies/actions";
import { applyActionErrors } from "./action-result";
import { NativeFields, NativeStatus, useNativeForm, useIdempotentSend } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Select } from "./ui";
import { Textarea } from "./textarea";

type Entry = { id: string; kind: "ALLOW" | "DENY"; cidr: string; note: string | null };
type Line = { line: number | null; input: string; status: "added" | "refused"; cidr: string | null; message: string };

type AddResult = { lines: Line[]; addedCount: number };

export function IpListEditor({ vhostId, entries, canWrite }: { vhostId: string; entries: Entry[]; canWrite: boolean }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  // Before the page hydrates, the browser submits the form itself (the same action): its answer is this page.
  const native = useNativeForm(addIpEntriesForm, { vhostId, kind: "DENY", text: "", confirmWide: false });
  const nativeAdded = native.state?.result.ok ? (native.state.result.data as AddResult) : null;
  const [report, setReport] = useState<Line[] | null>(nativeAdded?.lines ?? null);
  const [error, setError] = useState<string | null>(native.state && !native.state.result.ok ? (native.state.result.fieldErrors?.text?.join(" ") ?? null) : null);
  const [pending, setPending] = useState(false);
  const textArea = useRef<HTMLTextAreaElement | null>(null);
  const refusedText = (lines: Line[]) => lines.filter((l) => l.status === "refused").map((l) => l.input).join("\n");
  // What the box starts with after a native submission: the refused lines, or all of it if nothing was added.
  const startText = nativeAdded ? refusedText(nativeAdded.lines) : String(native.values.text ?? "");

  // The fields are the browser's own (uncontrolled): what is sent is what they show, whenever it was typed.
  async function add(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = String(data.get("text") ?? "");
    if (!text.trim()) {
      setError("Paste at least one address or range.");
      return;
    }
    setPending(true);
    setError(null);
    const r = await native.send(addIpEntriesAction, { vhostId, kind: data.get("kind") === "ALLOW" ? "ALLOW" : "DENY", text, confirmWide: data.has("confirmWide") });
    setPending(false);
    if (!r.ok) {
      setError(r.fieldErrors?.text?.join(" ") ?? null);
      applyActionErrors(r);
      return;
    }
    setReport(r.data.lines);
    const refused = r.data.lines.filter((l) => l.status === "refused");
    // Keep only the refused lines in the box so they can be fixed and re-submitted.
    if (textArea.current) textArea.current.value = refusedText(r.data.lines);
    if (r.data.addedCount) toast.success(`Added ${r.data.addedCount} entr${r.data.addedCount === 1 ? "y" : "ies"}.`);
    if (refused.length) toast.warning(`${refused.length} line${refused.length === 1 ? " was" : "s were"} refused: see the report.`);
    router.refresh();
  }

  async function remove(entry: Entry) {
    if (!window.confirm(`Remove ${entry.cidr} from the ${entry.kind === "DENY" ? "deny" : "allow"} list?`)) return;
    const r = await send(removeIpEntryAction, { vhostId, id: entry.id });
    if (!r.ok) return applyActionErrors(r);
    toast.success(`Removed ${entry.cidr}.`);
    router.refresh();
  }

  return (
    <div className="grid gap-8 lg:grid-cols-2">
      {(["DENY", "ALLOW"] as const).map((k) => {
        const list = entries.filter((e) => e.kind === k);
        return (
          <section key={k} aria-label={k === "DENY" ? "Deny list" : "Allow list"}>
            <h2 className="mb-1 font-semibold">{k === "DENY" ? "Deny list" : "Allow list"}</h2>
            <p className="mb-2 text-xs text-slate-600">
              {k === "DENY" ? "Requests from these addresses get 403 before any other rule." : "These addresses skip the WAF's rules (use for trusted scanners and monitoring)."}
            </p>
            {list.length === 0 ? (
              <p className="rounded-md border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">
                {k === "DENY" ? "No denied addresses." : "No allowed addresses."}
                {canWrite ? " Paste addresses or ranges below to add some." : ""}
              </p>
            ) : (
              <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white text-sm">
                {list.map((e) => (
                  <li key={e.id} className="flex items-center gap-3 px-3 py-1.5">
                    <span className="font-mono">{e.cidr}</span>
                    <span className="flex-1 truncate text-xs text-slate-500">{e.note}</span>
                    {canWrite && (
                      <button type="button" className="text-xs text-red-700 hover:underline" onClick={() => remove(e)} aria-label={`Remove ${e.cidr}`}>
                        Remove
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
      {canWrite && (
        <form action={native.action} onSubmit={add} className="space-y-3 lg:col-span-2" aria-label="Add to the IP lists">
          <NativeFields idempotencyKey={native.key} values={{ kind: "DENY", text: "", confirmWide: false }} hidden={{ vhostId }} />
          <h2 className="font-semibold">Add addresses or ranges</h2>
          {native.state && (
            <NativeStatus
              state={native.state}
              success={nativeAdded ? `Added ${nativeAdded.addedCount} entr${nativeAdded.addedCount === 1 ? "y" : "ies"}; ${nativeAdded.lines.length - nativeAdded.addedCount} refused.` : ""}
            />
          )}
          <div className="max-w-xs">
            <Field label="List" htmlFor="ip-kind">
              <Select id="ip-kind" name="kind" defaultValue={String(native.values.kind ?? "DENY")}>
                <option value="DENY">Deny list</option>
                <option value="ALLOW">Allow list</option>
              </Select>
            </Field>
          </div>
          <Field
            label="Addresses"
            htmlFor="ip-text"
            error={error ?? undefined}
            hint="One per line: IPv4 or IPv6 addresses or CIDR ranges, optionally followed by a note (203.0.113.0/24 office). Lines starting with # are ignored."
          >
            <Textarea id="ip-text" name="text" rows={6} ref={textArea} defaultValue={startText} placeholder={"203.0.113.0/24 scanner range\n2001:db8::/32"} />
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="confirmWide" defaultChecked={native.values.confirmWide === true} /> I really mean ranges that cover every address (0.0.0.0/0, ::/0)
          </label>
          <Button type="submit" disabled={pending}>
            {pending ? "Adding…" : "Add to list"}
          </Button>
          {report && (
            <table className="w-full text-left text-sm" data-testid="ip-report">
              <caption className="mb-1 text-left font-medium">Report of the last paste</caption>
              <thead className="text-xs uppercase text-slate-600">
                <tr>
                  <th className="py-1 pr-3">Line</th>
                  <th className="py-1 pr-3">Input</th>
                  <th className="py-1 pr-3">Result</th>
                  <th className="py-1">Why</th>
                </tr>
              </thead>
              <tbody>
                {report.map((l, i) => (
                  <tr key={i} className="border-t border-slate-100">
                    <td className="py-1 pr-3 text-slate-500">{l.line}</td>
                    <td className="py-1 pr-3 font-mono">{l.input}</td>
                    <td className={l.status === "added" ? "py-1 pr-3 text-green-700" : "py-1 pr-3 text-red-700"}>{l.status === "added" ? `added ${l.cidr}` : "refused"}</td>
                    <td className="py-1 text-slate-700">{l.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </form>
      )}
    </div>
  );
}
