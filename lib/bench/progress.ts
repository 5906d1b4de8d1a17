// A minimal progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise (logs, CI).

export type Progress = { tick(n: number): void; done(): void };

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function progress(label: string, total: number, options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const out = options.stream ?? process.stderr;
  const tty = !!out.isTTY;
  const started = performance.now();
  let count = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const line = () => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = count / Math.max(elapsed, 1e-3);
    const fraction = total > 0 ? Math.min(1, count / total) : 1;
    const width = 28;
    const filled = Math.round(fraction * width);
    return (
      `${label.padEnd(14)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` +
      `${count.toLocaleString("en")}/${total.toLocaleString("en")}  ${Math.round(rate).toLocaleString("en")}/s  ` +
      (count < total ? `ETA ${duration((total - count) / rate)}` : `in ${duration(elapsed)}`)
    );
  };

  const draw = (force: boolean) => {
    if (options.quiet) return;
    if (tty) {
      const now = performance.now();
      if (!force && now - lastDraw < 100) return;
      lastDraw = now;
      out.write(`\r${line()}\x1b[K`);
    } else {
      const decile = total > 0 ? Math.floor((count / total) * 10) : 10;
      if (decile !== lastDecile || force) {
        lastDecile = decile;
        out.write(`${line()}\n`);
      }
    }
  };

  return {
    tick(n) {
      count += n;
      draw(false);
    },
    done() {
      if (options.quiet) return;
      if (tty) out.write(`\r${line()}\x1b[K\n`);
      else if (lastDecile !== 10) out.write(`${line()}\n`);
    },
  };
}
