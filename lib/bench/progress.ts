// A progress bar on stderr for the bench and seeding scripts (cli-progress): redrawn in place on a
// terminal, a plain line every two seconds otherwise (logs, CI), and nothing when quiet.
import { SingleBar } from "cli-progress";

export type Progress = { tick(n: number): void; done(): void };

export function progress(label: string, total: number, options: { quiet?: boolean; stream?: NodeJS.WriteStream; notTTYScheduleMs?: number } = {}): Progress {
  if (options.quiet) return { tick() {}, done() {} };
  const started = performance.now();
  let count = 0;
  const rate = () => Math.round(count / Math.max((performance.now() - started) / 1000, 1e-3)).toLocaleString("en");
  const bar = new SingleBar({
    format: `${label.padEnd(14)} [{bar}] {percentage}% {value}/{total}  {rate}/s  ETA {eta_formatted}`,
    barsize: 28,
    barCompleteChar: "#",
    barIncompleteChar: ".",
    stream: options.stream ?? process.stderr,
    noTTYOutput: true,
    notTTYSchedule: options.notTTYScheduleMs ?? 2000,
    etaBuffer: 50,
    formatValue: (v, _options, type) => (type === "value" || type === "total" ? v.toLocaleString("en") : String(v)),
  });
  bar.start(total, 0, { rate: "0" });
  return {
    tick(n) {
      count += n;
      bar.update(Math.min(count, total), { rate: rate() });
    },
    done() {
      bar.update(Math.min(count, total), { rate: rate() });
      bar.stop();
    },
  };
}
