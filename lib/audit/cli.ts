// `npm run audit:verify`: walks the audit chain in the database named by DATABASE_URL and prints
// "Chain intact through #N" (exit 0) or the first broken event (exit 1); 2 when it cannot run.
// `npm run audit:verify -- <archive.jsonl>…` checks archive files instead: each file's events must chain
// without a gap, and a file the database has an anchor for must end at that anchor's seq and hash.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { db, disconnectDb } from "@/lib/db";
import { assertMigrated } from "@/lib/db/ready";
import { checkChainLink, type ChainBreak } from "./chain";
import { describeChainReport, verifyChain } from "./verify";

async function verifyDatabase(): Promise<boolean> {
  const tty = process.stderr.isTTY;
  const report = await verifyChain({
    batchSize: 2000,
    onProgress: (through, head) => {
      if (tty) process.stderr.write(`\rchecked through #${through} of #${head}…`);
    },
  });
  if (tty) process.stderr.write("\r\x1b[K");
  console.log(describeChainReport(report));
  return report.ok;
}

async function verifyFile(file: string): Promise<boolean> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
  let first: number | null = null;
  let expected = 0;
  let prevHash = "";
  let broken: ChainBreak | null = null;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      broken = { seq: expected, reason: `line ${lineNo} is not JSON` };
      break;
    }
    if (first === null) {
      // The file's first event links to whatever came before it (an earlier archive, or genesis).
      first = e.seq;
      expected = e.seq;
      prevHash = e.prevHash;
    }
    broken = checkChainLink(e, expected, prevHash);
    if (broken) break;
    prevHash = e.hash;
    expected++;
  }
  const name = path.basename(file);
  if (broken) {
    console.log(`${name}: broken at #${broken.seq}: ${broken.reason}.`);
    return false;
  }
  if (first === null) {
    console.log(`${name}: no events.`);
    return false;
  }
  const anchor = await db.auditArchive.findFirst({ where: { fileName: name } });
  if (anchor && (anchor.throughSeq !== expected - 1 || anchor.lastHash !== prevHash)) {
    console.log(`${name}: events #${first}–#${expected - 1} chain, but the database's anchor for this file ends at #${anchor.throughSeq} with another hash.`);
    return false;
  }
  console.log(`${name}: intact, events #${first}–#${expected - 1}, last hash ${prevHash}${anchor ? " (matches its anchor in the database)" : ""}.`);
  return true;
}

async function main() {
  const files = process.argv.slice(2).filter((a) => a !== "verify");
  let ok = true;
  try {
    // Archive files are checked against the database's anchors, so both modes need a migrated database.
    await assertMigrated();
    if (files.length === 0) ok = await verifyDatabase();
    else for (const f of files) ok = (await verifyFile(f)) && ok;
  } catch (err) {
    console.error(`audit:verify could not run: ${(err as Error).message}`);
    process.exitCode = 2;
    return;
  } finally {
    await disconnectDb();
  }
  process.exitCode = ok ? 0 : 1;
}

void main();
