// IP allow and deny lists: parsing what an admin types or pastes into the one form the config compiler
// writes, and checking a change against the lists as they are. Pure: no database, no clock.
//
// Decisions, each because of how the entry ends up in `SecRule REMOTE_ADDR "@ipMatch a,b,c"`:
// - Single addresses are written bare (192.0.2.7, not /32): ModSecurity v3 rejects ::1/128, v2 rejects /32.
// - IPv4 must be four plain decimal numbers. 010.0.0.1 is refused: some parsers read 010 as octal (8).
//   Short and hex forms (10.1, 0x0a.0.0.1, 167772161) are refused for the same reason: one meaning only.
// - A range with host bits set (10.0.0.5/24) is refused with the range the admin most likely meant,
//   rather than silently widened: the admin may have meant the single address.
// - IPv4-mapped IPv6 (::ffff:1.2.3.4, and the deprecated ::1.2.3.4) is refused with the IPv4 form as the
//   suggestion. nginx hands ModSecurity IPv4 clients in IPv4 form, so a mapped entry would never match,
//   and the same client written two ways would dodge the duplicate checks below.
// - IPv6 zone ids (fe80::1%eth0) name an interface of the local host and never appear in client
//   addresses: refused.
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { findForbiddenChar, findNonAscii } from "@/lib/forms/characters";

export type IpFamily = "ipv4" | "ipv6";

export type ParsedCidr = {
  /** The one form written to the config and stored: `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`, `::1`. */
  canonical: string;
  family: IpFamily;
  /** The network address, without prefix (`10.0.0.0`). */
  address: string;
  /** 32 or 128 for a single address. */
  prefixLength: number;
  isSingleAddress: boolean;
  /** 0.0.0.0/0 or ::/0. */
  coversEverything: boolean;
};

export type CidrParse = { ok: true; value: ParsedCidr } | { ok: false; error: string };

/** Longer than any address or range can be written (an IPv6 with embedded IPv4 and a prefix is 49). */
export const MAX_CIDR_INPUT_LENGTH = 64;

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

// The network address as a number, kept beside each parsed value for fast containment checks.
const networkBits = new WeakMap<ParsedCidr, bigint>();

/** Parse an IPv4/IPv6 address or CIDR range into its canonical form, or say clearly what is wrong. */
export function parseCidr(input: string): CidrParse {
  if (typeof input !== "string") return fail("Enter an IP address or range.");
  const text = input.trim();
  if (text.length === 0) return fail("Enter an IP address or range, like 192.0.2.7 or 10.0.0.0/8.");
  if (text.length > MAX_CIDR_INPUT_LENGTH) {
    return fail(`That is too long for an IP address or range (${text.length} characters; at most ${MAX_CIDR_INPUT_LENGTH}).`);
  }
  const forbidden = findForbiddenChar(text, { allowUnusualSpaces: false });
  if (forbidden) return fail(`'${shorten(text)}' contains ${forbidden.description}: enter one address or range per line.`);
  const nonAscii = findNonAscii(text);
  if (nonAscii) {
    return fail(
      `'${text}' contains ${nonAscii.description}, which is not a plain ASCII digit, letter or separator (a look-alike copied from a document?). Type the address again.`,
    );
  }
  if (/\s/.test(text)) return fail(`'${text}' contains a space: enter one address or range per line.`);
  const zone = text.indexOf("%");
  if (zone !== -1) {
    const zoneId = text.slice(zone).split("/")[0];
    return fail(
      `'${text}' has an IPv6 zone id (${zoneId}). Zone ids name a network interface of this machine and never appear in a client's address: remove '${zoneId}'.`,
    );
  }

  const slashes = text.split("/");
  if (slashes.length > 2) return fail(`'${text}' has more than one '/'.`);
  const addressText = slashes[0] ?? "";
  const prefixText = slashes[1];
  if (addressText.length === 0) return fail(`'${text}' has no address before the '/'.`);

  const family: IpFamily = addressText.includes(":") ? "ipv6" : "ipv4";
  const bits = BITS[family];
  let prefixLength = bits;
  if (prefixText !== undefined) {
    if (!/^[0-9]{1,3}$/.test(prefixText)) {
      return fail(`The prefix length after '/' in '${text}' must be a number from 0 to ${bits}.`);
    }
    prefixLength = Number(prefixText);
    if (prefixLength > bits) {
      return fail(`The prefix length /${prefixLength} is out of range: ${family === "ipv4" ? "IPv4" : "IPv6"} prefixes go from 0 to ${bits}.`);
    }
  }

  let bytes: number[];
  if (family === "ipv4") {
    const problem = ipv4Problem(addressText);
    if (problem) return fail(problem);
    bytes = ipaddr.IPv4.parse(addressText).toByteArray();
  } else {
    if (!ipaddr.IPv6.isValid(addressText)) return fail(`'${addressText}' is not a valid IPv6 address.`);
    const parsed = ipaddr.IPv6.parse(addressText);
    if (parsed.isIPv4MappedAddress()) {
      const v4 = parsed.toIPv4Address().toString();
      const suggestion =
        prefixText === undefined ? v4 : prefixLength >= 96 ? ipv4Canonical(v4, prefixLength - 96) : null;
      return fail(
        `'${text}' is an IPv4 address written as IPv6 (IPv4-mapped). ModSecurity sees IPv4 clients in IPv4 form, so this entry would never match` +
          (suggestion ? `: write it as ${suggestion}.` : ": write the IPv4 range instead."),
      );
    }
    bytes = parsed.toByteArray();
  }

  const value = toBigInt(bytes);
  const network = maskTo(value, prefixLength, bits);
  const networkText = formatAddress(network, family);
  if (network !== value) {
    return fail(
      `'${text}' has host bits set: in a /${prefixLength} range everything after the first ${prefixLength} bits must be zero. ` +
        `Did you mean ${networkText}/${prefixLength}? (Or ${formatAddress(value, family)} alone, for that single address.)`,
    );
  }
  const isSingleAddress = prefixLength === bits;
  const parsed: ParsedCidr = {
    canonical: isSingleAddress ? networkText : `${networkText}/${prefixLength}`,
    family,
    address: networkText,
    prefixLength,
    isSingleAddress,
    coversEverything: prefixLength === 0,
  };
  networkBits.set(parsed, network);
  return { ok: true, value: parsed };
}

/** Whether range `a` contains range `b` (an address contains itself). Different families never do. */
export function covers(a: ParsedCidr | string, b: ParsedCidr | string): boolean {
  const outer = typeof a === "string" ? parseCidr(a) : ({ ok: true, value: a } as const);
  const inner = typeof b === "string" ? parseCidr(b) : ({ ok: true, value: b } as const);
  if (!outer.ok || !inner.ok) return false;
  const x = outer.value;
  const y = inner.value;
  if (x.family !== y.family || x.prefixLength > y.prefixLength) return false;
  const bits = BITS[x.family];
  return maskTo(bitsOf(y), x.prefixLength, bits) === bitsOf(x);
}

// ---------------------------------------------------------------------------------------------------
// Checking a change to the lists.

export type IpListKind = "ALLOW" | "DENY";
export type IpListEntry = { kind: IpListKind; cidr: string };
export type IpListAddition = { kind: IpListKind; cidr: string; note?: string; line?: number };

export type IpListLineReport =
  | {
      status: "added";
      /** Position in `adding`. */
      index: number;
      line?: number;
      input: string;
      kind: IpListKind;
      cidr: ParsedCidr;
      note?: string;
      /** Accepted, but the admin should read these (redundant entries, overlaps with the other list). */
      warnings: string[];
    }
  | { status: "refused"; index: number; line?: number; input: string; kind: IpListKind; reason: string };

export type IpListChangeReport = {
  lines: IpListLineReport[];
  /** What to store: canonical ranges in the order given. */
  added: { kind: IpListKind; cidr: string; note?: string }[];
  refusedCount: number;
  /** True when no line was refused. */
  ok: boolean;
};

/** Below these prefix lengths a range is flagged as very wide (a /7 is 33 million IPv4 addresses). */
const WIDE_PREFIX: Record<IpFamily, number> = { ipv4: 8, ipv6: 16 };

/**
 * An allow-listed client skips the WAF's rules, so the allow list is judged as a whole: when its entries
 * of one family together cover more addresses than a /8 (IPv4: 2^24, 1/256 of all) or a /16 (IPv6: 2^112),
 * the change needs the same confirmation as 0.0.0.0/0 — 0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0 in two lines.
 * The same bound as the "very wide" warning: any single range that gets that warning now needs the
 * confirmation on the allow list, and so do narrower ranges that add up to as much.
 */
export const ALLOW_COVERAGE_PREFIX: Record<IpFamily, number> = WIDE_PREFIX;

export type AllowCoverage = { family: IpFamily; addresses: bigint; share: number; exceeds: boolean; description: string };

/** How much of each address family an allow list covers (overlaps counted once); the families it covers widely. */
export function allowListCoverage(entries: readonly IpListEntry[]): AllowCoverage[] {
  const sets = { ipv4: new CoverageSet(), ipv6: new CoverageSet() };
  for (const entry of entries) {
    if (entry.kind !== "ALLOW") continue;
    const parsed = parseCidr(entry.cidr);
    if (parsed.ok) sets[parsed.value.family].add(...span(parsed.value));
  }
  return (["ipv4", "ipv6"] as const).filter((f) => sets[f].total > 0n).map((f) => describeCoverage(f, sets[f].total));
}

function describeCoverage(family: IpFamily, addresses: bigint): AllowCoverage {
  const bits = BITS[family];
  const share = Number((addresses * 1_000_000n) / (1n << BigInt(bits))) / 1_000_000;
  const exceeds = addresses > 1n << BigInt(bits - ALLOW_COVERAGE_PREFIX[family]);
  const percent = share >= 0.001 ? `${Number((share * 100).toPrecision(3))}%` : "less than 0.1%";
  const equivalent = bits - Math.log2(Number(addresses));
  const asMuchAs = Number.isInteger(equivalent) ? `as many addresses as a /${equivalent}` : `more addresses than a /${Math.ceil(equivalent)}`;
  return { family, addresses, share, exceeds, description: `the allow list covers ${percent} of ${familyLabel(family)} (${asMuchAs})` };
}

/**
 * Check lines to add against the existing allow and deny lists and against each other.
 * Refused: unparsable lines, unsafe notes, exact duplicates (of the list or of an earlier pasted line),
 * entries already covered by a wider entry of the same list (the covering entry is named), an address
 * or range that is already in the other list, and without `confirmWide`: 0.0.0.0/0 or ::/0, and an allow
 * entry that takes the allow list past ALLOW_COVERAGE_PREFIX's share of the addresses.
 * Accepted with a warning: an entry that makes narrower entries redundant, or overlaps the other list.
 */
export function checkIpListChange(options: {
  existing: readonly IpListEntry[];
  adding: readonly IpListAddition[];
  confirmWide?: boolean;
}): IpListChangeReport {
  const indexes = { ALLOW: new ListIndex(), DENY: new ListIndex() };
  const allowCoverage = { ipv4: new CoverageSet(), ipv6: new CoverageSet() };
  for (const entry of options.existing) {
    const parsed = parseCidr(entry.cidr);
    if (!parsed.ok) continue;
    indexes[entry.kind].add({ cidr: parsed.value, source: "existing" });
    if (entry.kind === "ALLOW") allowCoverage[parsed.value.family].add(...span(parsed.value));
  }

  const lines: IpListLineReport[] = [];
  const added: IpListChangeReport["added"] = [];
  options.adding.forEach((addition, index) => {
    const base = { index, input: addition.cidr, kind: addition.kind, ...(addition.line !== undefined ? { line: addition.line } : {}) };
    const refuse = (reason: string) => lines.push({ status: "refused", ...base, reason });
    const listName = listLabel(addition.kind);
    const otherKind: IpListKind = addition.kind === "ALLOW" ? "DENY" : "ALLOW";
    const same = indexes[addition.kind];
    const other = indexes[otherKind];

    const parsed = parseCidr(addition.cidr);
    if (!parsed.ok) return refuse(parsed.error);
    const cidr = parsed.value;
    const noteProblem = addition.note === undefined ? null : noteError(addition.note);
    if (noteProblem) return refuse(noteProblem);
    if (cidr.coversEverything && !options.confirmWide) {
      return refuse(`${cidr.canonical} covers every address; confirm to add.`);
    }

    const duplicate = same.findExact(cidr);
    if (duplicate) {
      return refuse(
        duplicate.source === "existing"
          ? `${cidr.canonical} is already in the ${listName}.`
          : `${cidr.canonical} is a duplicate of ${describeSource(duplicate)} in this paste.`,
      );
    }
    const inOther = other.findExact(cidr);
    if (inOther) {
      return refuse(
        `${cidr.canonical} is ${inOther.source === "existing" ? "already" : `also on ${describeSource(inOther)}`} in the ${listLabel(otherKind)}: an address or range cannot be in both lists. Remove it there first.`,
      );
    }
    const wider = same.findCovering(cidr)[0];
    if (wider) {
      return refuse(`${cidr.canonical} is already covered by ${describeEntry(wider)} in the ${listName}.`);
    }
    let widened: AllowCoverage | null = null;
    if (addition.kind === "ALLOW") {
      const coverage = allowCoverage[cidr.family];
      const after = describeCoverage(cidr.family, coverage.total + coverage.gain(...span(cidr)));
      if (after.exceeds && !options.confirmWide && !cidr.coversEverything) {
        return refuse(
          `With ${cidr.canonical}, ${after.description}: every client in it skips the WAF's rules. ` +
            `That needs the same confirmation as 0.0.0.0/0; confirm to add.`,
        );
      }
      coverage.add(...span(cidr));
      if (after.exceeds) widened = after;
    }

    const warnings: string[] = [];
    if (cidr.coversEverything) {
      warnings.push(
        addition.kind === "DENY"
          ? `${cidr.canonical} denies every ${familyLabel(cidr.family)} client, including you.`
          : `${cidr.canonical} allows every ${familyLabel(cidr.family)} client past the IP deny list.`,
      );
    } else if (cidr.prefixLength < WIDE_PREFIX[cidr.family]) {
      warnings.push(`${cidr.canonical} is a very wide range (2^${BITS[cidr.family] - cidr.prefixLength} addresses).`);
    }
    if (widened && !cidr.coversEverything) warnings.push(`With ${cidr.canonical}, ${widened.description}: every client in it skips the WAF's rules.`);
    const narrower = same.findCovered(cidr);
    if (narrower.length > 0) {
      warnings.push(
        `${cidr.canonical} makes ${narrower.length === 1 ? "this entry" : `${narrower.length} entries`} of the ${listName} redundant: ${listSome(narrower)}.`,
      );
    }
    const overlaps = [...other.findCovering(cidr), ...other.findCovered(cidr)];
    if (overlaps.length > 0) {
      warnings.push(`${cidr.canonical} overlaps the ${listLabel(otherKind)}: ${listSome(overlaps)}.`);
    }

    same.add({ cidr, source: "batch", index, ...(addition.line !== undefined ? { line: addition.line } : {}) });
    const note = addition.note?.trim();
    lines.push({ status: "added", ...base, cidr, ...(note ? { note } : {}), warnings });
    added.push({ kind: addition.kind, cidr: cidr.canonical, ...(note ? { note } : {}) });
  });

  const refusedCount = lines.filter((l) => l.status === "refused").length;
  return { lines, added, refusedCount, ok: refusedCount === 0 };
}

// ---------------------------------------------------------------------------------------------------
// Bulk paste.

export type BulkPasteItem = {
  /** 1-based line number in the pasted text. */
  line: number;
  /** The address or range as typed (not yet validated). */
  input: string;
  /** Text after the address(es) on that line, e.g. "office network". */
  note?: string;
};

/**
 * Split pasted text into items. One line may hold several addresses separated by commas or spaces;
 * blank lines and `#` comments (whole-line or trailing) are ignored; words after the addresses of a
 * line are that line's note ("10.0.0.0/8  office network"). A word counts as a further address only
 * if it has a digit and a '.', ':' or '/'; after the first word that does not, the rest is the note.
 */
export function parseBulkPaste(text: string): BulkPasteItem[] {
  const items: BulkPasteItem[] = [];
  const lines = text.split(/\r\n|[\n\r\u0085\u2028\u2029]/);
  lines.forEach((rawLine, i) => {
    const hash = rawLine.indexOf("#");
    const content = hash === -1 ? rawLine : rawLine.slice(0, hash);
    const tokens = [...content.matchAll(/[^\s,]+/g)];
    if (tokens.length === 0) return;
    const inputs: string[] = [];
    let noteStart = -1;
    for (const [t, match] of tokens.entries()) {
      if (t === 0 || looksLikeAddress(match[0])) {
        inputs.push(match[0]);
      } else {
        noteStart = match.index;
        break;
      }
    }
    const note = noteStart === -1 ? "" : content.slice(noteStart).trim();
    for (const input of inputs) items.push({ line: i + 1, input, ...(note ? { note } : {}) });
  });
  return items;
}

function looksLikeAddress(word: string): boolean {
  return /\p{Nd}/u.test(word) && /[.:/\uFF0E\uFF1A\uFF0F]/.test(word);
}

// ---------------------------------------------------------------------------------------------------
// Schemas.

export const IpListKindSchema = z.enum(["ALLOW", "DENY"]);

export const IP_NOTE_MAX = 200;

/** A short free-text note beside an entry. Shown in the panel and may end up in a config comment. */
export const IpNoteSchema = z
  .string()
  .trim()
  .max(IP_NOTE_MAX, `Keep the note under ${IP_NOTE_MAX + 1} characters.`)
  .superRefine((note, ctx) => {
    const problem = noteError(note);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** An address or range; parses to its canonical form (`10.0.0.5/32` becomes `10.0.0.5`). */
export const CidrSchema = z.string().transform((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed.value.canonical;
});

export const IpEntrySchema = z.object({
  kind: IpListKindSchema,
  cidr: CidrSchema,
  note: IpNoteSchema.optional(),
});
export type IpEntryInput = z.input<typeof IpEntrySchema>;
export type IpEntry = z.output<typeof IpEntrySchema>;

export const IP_BULK_TEXT_MAX = 100_000;

export const IpBulkSchema = z.object({
  kind: IpListKindSchema,
  text: z
    .string()
    .max(IP_BULK_TEXT_MAX, `Paste at most ${IP_BULK_TEXT_MAX.toLocaleString("en")} characters at a time.`)
    .refine((text) => text.trim().length > 0, "Paste at least one address or range."),
  confirmWide: z.boolean(),
});
export type IpBulk = z.infer<typeof IpBulkSchema>;

// ---------------------------------------------------------------------------------------------------
// Internals.

type IndexedEntry = { cidr: ParsedCidr; source: "existing" | "batch"; index?: number; line?: number };

/**
 * One list of one kind, indexed so each question costs at most one lookup per prefix length
 * (a paste of ten thousand lines against a list of ten thousand stays fast).
 */
class ListIndex {
  // exact[family][p]: entries with prefix length p, by network bits
  private readonly exact = { ipv4: perPrefix<IndexedEntry>(32), ipv6: perPrefix<IndexedEntry>(128) };
  // inside[family][p]: entries with prefix length > p, by their first p bits
  private readonly inside = { ipv4: perPrefix<IndexedEntry[]>(32), ipv6: perPrefix<IndexedEntry[]>(128) };

  add(entry: IndexedEntry): void {
    const { family, prefixLength } = entry.cidr;
    const bits = BITS[family];
    const value = bitsOf(entry.cidr);
    const exact = this.exact[family][prefixLength];
    if (exact && !exact.has(value)) exact.set(value, entry);
    for (let p = 0; p < prefixLength; p++) {
      const key = maskTo(value, p, bits);
      const bucket = this.inside[family][p];
      const list = bucket?.get(key);
      if (list) list.push(entry);
      else bucket?.set(key, [entry]);
    }
  }

  findExact(cidr: ParsedCidr): IndexedEntry | undefined {
    return this.exact[cidr.family][cidr.prefixLength]?.get(bitsOf(cidr));
  }

  /** Entries strictly wider than `cidr` that contain it, widest first. */
  findCovering(cidr: ParsedCidr): IndexedEntry[] {
    const bits = BITS[cidr.family];
    const value = bitsOf(cidr);
    const found: IndexedEntry[] = [];
    for (let p = 0; p < cidr.prefixLength; p++) {
      const hit = this.exact[cidr.family][p]?.get(maskTo(value, p, bits));
      if (hit) found.push(hit);
    }
    return found;
  }

  /** Entries strictly narrower than `cidr` that it contains. */
  findCovered(cidr: ParsedCidr): IndexedEntry[] {
    return this.inside[cidr.family][cidr.prefixLength]?.get(bitsOf(cidr)) ?? [];
  }
}

/** The first and last address of a range, as numbers. */
function span(cidr: ParsedCidr): [bigint, bigint] {
  const start = bitsOf(cidr);
  return [start, start + (1n << BigInt(BITS[cidr.family] - cidr.prefixLength)) - 1n];
}

/** A union of address spans (inclusive), kept as sorted disjoint intervals with their total size. */
class CoverageSet {
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];
  total = 0n;

  /** How many addresses of [start, end] are not covered yet. */
  gain(start: bigint, end: bigint): bigint {
    let covered = 0n;
    for (let i = this.firstEndingAtOrAfter(start); i < this.starts.length && this.starts[i]! <= end; i++) {
      const from = this.starts[i]! > start ? this.starts[i]! : start;
      const to = this.ends[i]! < end ? this.ends[i]! : end;
      covered += to - from + 1n;
    }
    return end - start + 1n - covered;
  }

  add(start: bigint, end: bigint): void {
    this.total += this.gain(start, end);
    // Merge with every interval it overlaps or touches.
    const i = this.firstEndingAtOrAfter(start === 0n ? 0n : start - 1n);
    let j = i;
    let from = start;
    let to = end;
    while (j < this.starts.length && this.starts[j]! <= end + 1n) {
      if (this.starts[j]! < from) from = this.starts[j]!;
      if (this.ends[j]! > to) to = this.ends[j]!;
      j++;
    }
    this.starts.splice(i, j - i, from);
    this.ends.splice(i, j - i, to);
  }

  private firstEndingAtOrAfter(address: bigint): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! < address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function perPrefix<T>(bits: number): Map<bigint, T>[] {
  return Array.from({ length: bits + 1 }, () => new Map<bigint, T>());
}

function fail(error: string): CidrParse {
  return { ok: false, error };
}

function ipv4Problem(text: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const parts = text.split(".");
  const allDigits = parts.every((p) => /^[0-9]+$/.test(p));
  if (parts.length === 4 && allDigits && parts.some((p) => /^0[0-9]/.test(p))) {
    const plain = parts.map((p) => String(Number(p))).join(".");
    const validPlain = ipaddr.IPv4.isValidFourPartDecimal(plain);
    return (
      `'${text}' has a leading zero in a number. Some software reads 010 as octal (8), so it is ambiguous` +
      (validPlain ? `: write ${plain} if that is what you mean.` : ".")
    );
  }
  if (parts.length === 4 && allDigits) return `'${text}' is not a valid IPv4 address: each of the four numbers must be 0 to 255.`;
  if (/^[0-9a-fA-FxX.]+$/.test(text) && ipaddr.IPv4.isValid(text)) {
    return `'${text}' is a short or hexadecimal form: write the address as four decimal numbers, like 192.0.2.7.`;
  }
  return `'${shorten(text)}' is not an IP address or range (expected something like 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32).`;
}

function ipv4Canonical(address: string, prefixLength: number): string {
  return prefixLength === 32 ? address : `${address}/${prefixLength}`;
}

function toBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function maskTo(value: bigint, prefixLength: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefixLength);
  return (value >> hostBits) << hostBits;
}

function formatAddress(value: bigint, family: IpFamily): string {
  const count = family === "ipv4" ? 4 : 16;
  const bytes: number[] = [];
  for (let i = count - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  const address = ipaddr.fromByteArray(bytes);
  return address.kind() === "ipv6" ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

function bitsOf(cidr: ParsedCidr): bigint {
  const cached = networkBits.get(cidr);
  if (cached !== undefined) return cached;
  // A ParsedCidr that went through JSON (a server action's result) lost its cache entry.
  const value = toBigInt(ipaddr.parse(cidr.address).toByteArray());
  networkBits.set(cidr, value);
  return value;
}

function noteError(note: string): string | null {
  if (note.length > IP_NOTE_MAX) return `The note is too long (${note.length} characters; at most ${IP_NOTE_MAX}).`;
  const bad = findForbiddenChar(note);
  return bad ? `The note contains ${bad.description}: notes are one line of plain text.` : null;
}

function listLabel(kind: IpListKind): string {
  return kind === "ALLOW" ? "allow list" : "deny list";
}

function familyLabel(family: IpFamily): string {
  return family === "ipv4" ? "IPv4" : "IPv6";
}

function describeSource(entry: IndexedEntry): string {
  return entry.line !== undefined ? `line ${entry.line}` : `item ${(entry.index ?? 0) + 1}`;
}

function describeEntry(entry: IndexedEntry): string {
  return entry.source === "existing" ? entry.cidr.canonical : `${entry.cidr.canonical} (${describeSource(entry)} of this paste)`;
}

function listSome(entries: IndexedEntry[]): string {
  const shown = entries.slice(0, 3).map(describeEntry).join(", ");
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
