import { Badge } from "./ui";

const MODE = {
  BLOCKING: { label: "Blocking", tone: "green" },
  DETECTION_ONLY: { label: "Detection only", tone: "amber" },
  OFF: { label: "Off", tone: "red" },
} as const;

export function EngineModeBadge({ mode, paranoia, title }: { mode: keyof typeof MODE; paranoia?: number; title?: string }) {
  const m = MODE[mode];
  return (
    <Badge tone={m.tone} title={title}>
      {m.label}
      {paranoia !== undefined && mode !== "OFF" ? ` · PL${paranoia}` : ""}
    </Badge>
  );
}
