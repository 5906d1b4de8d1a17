// Writes one benchmark section into BENCHMARKS.md between its own markers, replacing the previous
// result of the same part on the same database and leaving everything else in the file as it is.
import fs from "node:fs";

export type Section = { key: string; title: string; body: string };

const HEADER = `# Benchmarks

Written by \`npm run bench\` (lib/bench/bench.ts) on the database in \`DATABASE_URL\`, filled by
\`npm run seed:scale -- --vhosts 10000 --events 1000000\`. Each section is replaced when its part is run
again (\`npm run bench -- --only a,b\`); text outside the sections is kept.
`;

export function markers(key: string) {
  return { start: `<!-- bench:${key} -->`, end: `<!-- /bench:${key} -->` };
}

export function writeSection(file: string, section: Section): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : HEADER;
  const { start, end } = markers(section.key);
  const block = `${start}\n### ${section.title}\n\n${section.body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, next);
}

/** A markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
