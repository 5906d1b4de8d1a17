import { describe, expect, it } from "vitest";
import { csvCell, csvHeader, csvRow, EXPORT_COLUMNS, exportFileName, jsonLine, type ExportedEvent } from "./export-format";

const event: ExportedEvent = {
  id: "3f0c1d7e-0000-4000-8000-000000000001",
  seq: 7,
  createdAt: new Date("2026-11-24T08:30:12.345Z"),
  actorId: null,
  actorEmail: "admin@palisade.local",
  action: "vhost.update",
  entityType: "VirtualHost",
  entityId: "v1",
  vhostId: null,
  vhostDomain: "shop.example.com",
  summary: "=HYPERLINK(\"http://evil\",\"click\")",
  before: { note: "a, b" },
  after: { note: "-1+2" },
  ip: "127.0.0.1",
  userAgent: "Mozilla/5.0 (X11)",
  prevHash: "0".repeat(64),
  hash: "f".repeat(64),
};

/** A small RFC 4180 reader, to prove the cells come back exactly. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

describe("csvCell", () => {
  it("neutralises every formula trigger with a leading single quote", () => {
    for (const dangerous of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"]) {
      const cell = csvCell(dangerous);
      expect(parseCsv(`${cell}\r\n`)[0]![0]).toBe(`'${dangerous}`);
    }
  });

  it("leaves ordinary text alone and quotes only where RFC 4180 needs it", () => {
    expect(csvCell("Created a.test")).toBe("Created a.test");
    expect(csvCell("a, b")).toBe(`"a, b"`);
    expect(csvCell(`say "hi"`)).toBe(`"say ""hi"""`);
    expect(csvCell("two\nlines")).toBe(`"two\nlines"`);
    expect(csvCell(" padded ")).toBe(`" padded "`);
    expect(csvCell("a=b")).toBe("a=b");
  });

  it("writes numbers as numbers, nothing as empty, objects as JSON (guarded too)", () => {
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(parseCsv(`${csvCell({ a: [1, "x"] })}\r\n`)[0]![0]).toBe(`{"a":[1,"x"]}`);
    expect(csvCell(new Date("2026-01-01T00:00:00Z"))).toBe("2026-01-01T00:00:00.000Z");
    expect(csvCell(-1)).toBe("-1");
    expect(csvCell(true)).toBe("true");
  });

  it("also guards the full-width forms of the formula triggers", () => {
    for (const dangerous of ["\uFF1D1+1", "\uFF0B1", "\uFF0D1", "\uFF20SUM(A1)"]) expect(csvCell(dangerous)).toBe(`'${dangerous}`);
  });
});

describe("export rows", () => {
  it("writes a header and one row per event that read back cell for cell", () => {
    const rows = parseCsv(csvHeader() + csvRow(event));
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const cells = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(cells).toMatchObject({
      seq: "7",
      createdAt: "2026-11-24T08:30:12.345Z",
      actorId: "",
      summary: `'=HYPERLINK("http://evil","click")`,
      before: `{"note":"a, b"}`,
      after: `{"note":"-1+2"}`,
      hash: "f".repeat(64),
      vhostDomain: "shop.example.com",
    });
    expect(rows[0]!.slice(7, 9)).toEqual(["vhostId", "vhostDomain"]);
  });

  it("writes JSON Lines as the stored values, unguarded, one line per event", () => {
    const line = jsonLine(event);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    const record = JSON.parse(line);
    expect(Object.keys(record)).toEqual([...EXPORT_COLUMNS]);
    expect(record).toMatchObject({ seq: 7, createdAt: "2026-11-24T08:30:12.345Z", summary: event.summary, after: { note: "-1+2" }, actorId: null });
  });

  it("names files by format and time", () => {
    expect(exportFileName("csv", new Date("2026-11-24T08:30:12.345Z"))).toBe("palisade-audit-20261124-083012.csv");
    expect(exportFileName("jsonl", new Date("2026-11-24T08:30:12.345Z"))).toBe("palisade-audit-20261124-083012.jsonl");
  });
});
