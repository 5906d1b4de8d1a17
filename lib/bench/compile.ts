// c. Compiling the configuration of 1,000 / 10,000 / 20,000 vhosts with the pure compiler
// (lib/waf/compile.ts compileBundle), inputs built in memory; and, when the publish code is present,
// loading every vhost from the database into the compiler's input (lib/config/load.ts), which is the
// other half of a publish.
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput } from "@/lib/waf/samples";
import type { BenchContext } from "./context";
import { compilerVhosts } from "./data";
import { table } from "./report";
import { loadText, ms, summarize, time, timeInterleaved } from "./stats";

export const COMPILE_SIZES = [1000, 10_000, 20_000];

export async function compilePart(ctx: BenchContext) {
  const rows: (string | number)[][] = [];
  const medians: number[] = [];
  const cpuMedians: number[] = [];
  for (const n of COMPILE_SIZES) {
    const input = sampleInput(compilerVhosts(n));
    let bytes = 0;
    let files = 0;
    const runs = n <= 1000 ? 30 : n <= 10_000 ? 10 : 6;
    // CPU time next to wall time: on a loaded machine the process's own CPU time (all its threads,
    // the garbage collector's included) is the closer estimate of the wall time on an idle one.
    const cpu: number[] = [];
    const { timing, load } = await time(
      () => {
        const c = process.cpuUsage();
        const b = compileBundle(input);
        const u = process.cpuUsage(c);
        cpu.push((u.user + u.system) / 1000);
        files = Object.keys(b.files).length;
        bytes = Object.values(b.files).reduce((s, f) => s + f.length, 0);
      },
      runs,
      2,
    );
    const cpuTiming = summarize(cpu.slice(-runs));
    medians.push(timing.median);
    cpuMedians.push(cpuTiming.median);
    rows.push([
      n.toLocaleString("en"),
      `**${ms(timing.median)}** / ${ms(timing.p95)}`,
      `${ms(cpuTiming.median)}`,
      `${((timing.median * 1000) / n).toFixed(0)} µs`,
      `${files.toLocaleString("en")} files, ${(bytes / 2 ** 20).toFixed(1)} MB`,
      runs,
      loadText(load),
    ]);
  }
  const at10k = medians[1]!;
  const cpuAt10k = cpuMedians[1]!;
  const growth10to20 = medians[2]! / medians[1]!;
  const growth1to10 = medians[1]! / medians[0]!;

  const loadRows: (string | number)[][] = [];
  const firstLine = (err: unknown) => ((err as Error).message ?? String(err)).split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "failed";
  const { loadVhostInputs } = await import("@/lib/config/load");
  // chunk = all: every vhost in one query, as the loader did before it paged (each relation's IN list then names every vhost).
  const all = Number.MAX_SAFE_INTEGER;
  let unpaged: unknown[] | null = null;
  try {
    unpaged = await loadVhostInputs({ chunk: all });
  } catch (err) {
    loadRows.push([`lib/config/load.ts loadVhostInputs, all vhosts in one query (as before)`, `**fails**: “${firstLine(err)}”`, "", ""]);
  }
  const paged = await loadVhostInputs();
  if (unpaged && JSON.stringify(unpaged) !== JSON.stringify(paged)) throw new Error("loadVhostInputs paged returns other vhosts than in one query");
  const fns = unpaged ? [() => loadVhostInputs({ chunk: all }), () => loadVhostInputs()] : [() => loadVhostInputs()];
  const { timings, load } = await timeInterleaved(fns, 5, 1);
  if (unpaged) loadRows.push([`lib/config/load.ts loadVhostInputs, all vhosts in one query (as before)`, `**${ms(timings[0]!.median)}** / ${ms(timings[0]!.p95)}`, `${unpaged.length.toLocaleString("en")} vhosts`, loadText(load)]);
  const c = timings.at(-1)!;
  loadRows.push([`lib/config/load.ts loadVhostInputs() on ${ctx.dialect.name}, vhosts paged by ${ctx.dialect.limits.inList}`, `**${ms(c.median)}** / ${ms(c.p95)}`, `${paged.length.toLocaleString("en")} vhosts`, loadText(load)]);
  const compileOwn = await time(() => compileBundle({ vhosts: paged, settings: sampleInput([]).settings }), 3, 1);
  loadRows.push([`compileBundle of those vhosts (the other half of a publish)`, `**${ms(compileOwn.timing.median)}** / ${ms(compileOwn.timing.p95)}`, "", loadText(compileOwn.load)]);

  const body = [
    ctx.header(),
    "",
    table(["vhosts", "compileBundle wall median / p95 ms", "CPU time median ms", "wall per vhost", "output", "runs", "load avg"], rows),
    "",
    `10,000 vhosts in **${ms(at10k)} ms** wall, ${ms(cpuAt10k)} ms CPU ${at10k < 1000 ? "✓" : cpuAt10k < 1000 ? "(✓ on CPU time, ✗ on wall time under this load)" : "✗"} (target < 1 s). Growth: ×${growth1to10.toFixed(1)} from 1,000 to 10,000 vhosts (linear: ×10), ` +
      `×${growth10to20.toFixed(2)} from 10,000 to 20,000 (linear: ×2). Inputs: lib/bench/data.ts, the same generator as the scale seed ` +
      "(every engine mode, IP lists, custom rules, exclusions; 95 % enabled).",
    "",
    table(["a publish's load and compile, from the seeded database", "median / p95 ms", "", "load avg"], loadRows),
    "",
    "Prisma loads each relation of `loadVhostInputs` with one `WHERE vhostId IN (…)` listing the vhosts of the query. With every enabled vhost in one " +
      "query SQLite refuses that at this size (publishing failed there), and PostgreSQL would past 32,767 vhosts; the loader therefore reads the vhosts " +
      "in pages by domain, and returns the same inputs (checked where the single query works).",
  ].join("\n");
  return [{ key: `${ctx.kind}:c`, title: `c. Config compiler (${ctx.dialect.name} for the load step)`, body }];
}
