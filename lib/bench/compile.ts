// c. Compiling the configuration of 1,000 / 10,000 / 20,000 vhosts with the pure compiler
// (lib/waf/compile.ts compileBundle), inputs built in memory; and, when the publish code is present,
// loading every vhost from the database into the compiler's input (lib/config/load.ts), which is the
// other half of a publish.
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput } from "@/lib/waf/samples";
import { kindName, type BenchContext } from "./context";
import { compilerVhosts } from "./data";
import { table } from "./report";
import { loadText, ms, summarize, time } from "./stats";

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
  try {
    // The publish path's loader, present once config publishing is in the tree.
    const { loadVhostInputs } = (await import("@/lib/config/load")) as { loadVhostInputs: () => Promise<unknown[]> };
    let count = 0;
    const { timing, load } = await time(async () => (count = (await loadVhostInputs()).length), 5, 1);
    loadRows.push([`load ${count.toLocaleString("en")} enabled vhosts from ${kindName(ctx.kind)} (lib/config/load.ts)`, `${ms(timing.median)} / ${ms(timing.p95)}`, loadText(load)]);
  } catch (err) {
    loadRows.push(["load from the database (lib/config/load.ts)", `not measured: ${(err as Error).message.split("\n")[0]}`, ""]);
  }

  const body = [
    ctx.header(),
    "",
    table(["vhosts", "compileBundle wall median / p95 ms", "CPU time median ms", "wall per vhost", "output", "runs", "load avg"], rows),
    "",
    `10,000 vhosts in **${ms(at10k)} ms** wall, ${ms(cpuAt10k)} ms CPU ${at10k < 1000 ? "✓" : cpuAt10k < 1000 ? "(✓ on CPU time, ✗ on wall time under this load)" : "✗"} (target < 1 s). Growth: ×${growth1to10.toFixed(1)} from 1,000 to 10,000 vhosts (linear: ×10), ` +
      `×${growth10to20.toFixed(2)} from 10,000 to 20,000 (linear: ×2). Inputs: lib/bench/data.ts, the same generator as the scale seed ` +
      "(every engine mode, IP lists, custom rules, exclusions; 95 % enabled).",
    "",
    table(["publish, first half", "median / p95 ms", "load avg"], loadRows),
  ].join("\n");
  return [{ key: `${ctx.kind}:c`, title: `c. Config compiler (${kindName(ctx.kind)} for the load step)`, body }];
}
