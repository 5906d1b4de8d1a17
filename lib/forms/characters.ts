// Characters that must never reach a configuration file, and how error messages name them. Shared by every
// schema whose text ends up in nginx or ModSecurity config (custom rules, exclusions, IP-list notes), so it
// sits with the form helpers rather than in one domain.


const NAMED_CHARS: Record<number, string> = {
  0x00: "NUL",
  0x09: "tab",
  0x0a: "line feed",
  0x0b: "vertical tab",
  0x0c: "form feed",
  0x0d: "carriage return",
  0x7f: "DEL",
  0x85: "next line",
  0xa0: "no-break space",
  0x200b: "zero-width space",
  0x200c: "zero-width non-joiner",
  0x200d: "zero-width joiner",
  0x200e: "left-to-right mark",
  0x200f: "right-to-left mark",
  0x2028: "line separator",
  0x2029: "paragraph separator",
  0x202e: "right-to-left override",
  0x2066: "left-to-right isolate",
  0x2067: "right-to-left isolate",
  0xfeff: "byte order mark",
};

/** "U+2028 (line separator)" — how error messages name an invisible or confusable character. */
export function describeChar(char: string): string {
  const cp = char.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = NAMED_CHARS[cp];
  if (name) return `${hex} (${name})`;
  if (cp < 0x7f && cp >= 0x20) return `'${char}'`;
  return `'${char}' ${hex}`;
}

// Control (Cc: CR, LF, NUL, tab...), format (Cf: bidi overrides, zero-width), line/paragraph separators,
// surrogate halves and private use. None has a place in a rule, a note or a path.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;
const UNUSUAL_SPACE = /[\p{Zs}]/u;

export type ForbiddenChar = { index: number; char: string; description: string };

/**
 * The first control, invisible or line-breaking character in `text`, or null.
 * With `allowUnusualSpaces: false`, spaces other than U+0020 (no-break, ideographic...) count too:
 * in configuration syntax they look like separators but are not.
 */
export function findForbiddenChar(text: string, options: { allowUnusualSpaces?: boolean } = {}): ForbiddenChar | null {
  const allowUnusualSpaces = options.allowUnusualSpaces ?? true;
  let index = 0;
  for (const char of text) {
    if (FORBIDDEN.test(char) || (!allowUnusualSpaces && char !== " " && UNUSUAL_SPACE.test(char))) {
      return { index, char, description: describeChar(char) };
    }
    index += char.length;
  }
  return null;
}

/** The first character outside printable ASCII, with its index and a readable name. */
export function findNonAscii(text: string): { index: number; description: string } | null {
  let index = 0;
  for (const char of text) {
    if (char.charCodeAt(0) > 0x7e) return { index, description: describeChar(char) };
    index += char.length;
  }
  return null;
}
