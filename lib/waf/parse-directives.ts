// Reads a bundle back into directives, the way nginx and libmodsecurity tokenize their files, so tests
// can compare what a bundle *means* with what it should mean. Comments are dropped; anything the real
// parsers would reject (an unterminated quote, an unbalanced brace) throws DirectiveSyntaxError.
import type { Bundle } from "./types";

export type Directive = {
  file: string;
  line: number;
  name: string;
  args: string[];
  /** nginx only: the enclosing blocks, outermost first, e.g. ["http", "server", "location /"]. */
  context: string[];
  /** nginx only: true when the directive opens a block. */
  block: boolean;
};

export class DirectiveSyntaxError extends Error {
  constructor(
    public readonly file: string,
    public readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "DirectiveSyntaxError";
  }
}

/** Files under rules/ and modsecurity/ are ModSecurity; everything else is nginx. */
export function fileSyntax(path: string): "nginx" | "modsecurity" {
  return path.startsWith("rules/") || path.startsWith("modsecurity/") ? "modsecurity" : "nginx";
}

export function parseBundle(bundle: Bundle): Directive[] {
  return Object.keys(bundle.files)
    .sort()
    .flatMap((file) => {
      const text = bundle.files[file]!;
      return fileSyntax(file) === "nginx" ? parseNginx(text, file) : parseModSecurity(text, file);
    });
}

// ---------------------------------------------------------------------------------------------------
// nginx (after ngx_conf_read_token)

export function parseNginx(text: string, file = "nginx.conf"): Directive[] {
  const out: Directive[] = [];
  const context: string[] = [];
  let args: string[] = [];
  let argsLine = 1;
  let line = 1;
  let i = 0;
  const err = (reason: string): never => {
    throw new DirectiveSyntaxError(file, line, reason);
  };
  const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";

  while (i < text.length) {
    const ch = text[i]!;
    if (isSpace(ch)) {
      if (ch === "\n") line++;
      i++;
      continue;
    }
    if (ch === ";" || ch === "{") {
      if (args.length === 0) err(`unexpected "${ch}"`);
      const [name, ...rest] = args;
      out.push({ file, line: argsLine, name: name!, args: rest, context: [...context], block: ch === "{" });
      if (ch === "{") context.push([name, ...rest].join(" "));
      args = [];
      i++;
      continue;
    }
    if (ch === "}") {
      if (args.length > 0) err('unexpected "}"');
      if (context.length === 0) err('unexpected "}"');
      context.pop();
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (args.length === 0) argsLine = line;
    if (ch === '"' || ch === "'") {
      const quote = ch;
      let j = i + 1;
      let value = "";
      for (;;) {
        if (j >= text.length) err("unexpected end of file, expecting a closing quote");
        const c = text[j]!;
        if (c === "\n") line++;
        if (c === "\\" && j + 1 < text.length) {
          value += unescapeNginx(text[j + 1]!);
          if (text[j + 1] === "\n") line++;
          j += 2;
          continue;
        }
        if (c === quote) break;
        value += c;
        j++;
      }
      const next = text[j + 1];
      if (next !== undefined && !isSpace(next) && next !== ";" && next !== "{" && next !== ")") err(`unexpected "${next}" after a quoted string`);
      args.push(value);
      i = j + 1;
      continue;
    }
    // Unquoted word: ends at whitespace, ";" or "{" (a "{" right after "$" belongs to a variable).
    let j = i;
    let value = "";
    while (j < text.length) {
      const c = text[j]!;
      if (c === "\\" && j + 1 < text.length) {
        value += unescapeNginx(text[j + 1]!);
        j += 2;
        continue;
      }
      if (c === "{" && text[j - 1] === "$") {
        value += c;
        j++;
        continue;
      }
      if (isSpace(c) || c === ";" || c === "{") break;
      value += c;
      j++;
    }
    args.push(value);
    i = j;
  }
  if (args.length > 0) err("unexpected end of file, expecting \";\" or \"}\"");
  if (context.length > 0) err('unexpected end of file, expecting "}"');
  return out;
}

function unescapeNginx(c: string): string {
  switch (c) {
    case '"':
    case "'":
    case "\\":
      return c;
    case "t":
      return "\t";
    case "r":
      return "\r";
    case "n":
      return "\n";
    default:
      // nginx keeps the backslash of an unknown escape (inside quotes and words alike).
      return `\\${c}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// ModSecurity (after libmodsecurity 3's lexer, as measured with modsec-rules-check)
//   - a backslash at the end of a line continues the directive on the next line;
//   - "#" where an argument could start comments out the rest of the line;
//   - a double-quoted argument ends at a quote that no backslash precedes;
//   - several directives may share one line: a bare word that is a directive name starts a new one.

const MODSEC_DIRECTIVE = /^(?:Sec[A-Z][A-Za-z0-9]*|Include)$/;

export function parseModSecurity(text: string, file = "rules.conf"): Directive[] {
  const out: Directive[] = [];
  let current: Directive | null = null;
  let line = 1;
  let i = 0;
  const err = (reason: string): never => {
    throw new DirectiveSyntaxError(file, line, reason);
  };
  const finish = () => {
    if (current) out.push(current);
    current = null;
  };

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\n" ? 2 : 3;
      line++;
      continue;
    }
    if (ch === "\n") {
      finish();
      line++;
      i++;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    let token: string;
    let quoted = false;
    if (ch === '"') {
      let j = i + 1;
      let value = "";
      for (;;) {
        if (j >= text.length || text[j] === "\n") err("unterminated double-quoted argument");
        const c = text[j]!;
        if (c === "\\" && text[j + 1] === '"') {
          value += '\\"';
          j += 2;
          continue;
        }
        if (c === "\\" && text[j + 1] === "\n") {
          line++;
          j += 2;
          continue;
        }
        if (c === '"') break;
        value += c;
        j++;
      }
      token = value;
      quoted = true;
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !" \t\r\n".includes(text[j]!)) {
        if (text[j] === "\\" && text[j + 1] === "\n") break;
        j++;
      }
      token = text.slice(i, j);
      i = j;
    }
    if (!quoted && MODSEC_DIRECTIVE.test(token)) {
      finish();
      current = { file, line, name: token, args: [], context: [], block: false };
    } else if (current === null) {
      err(`expected a directive, found ${JSON.stringify(token.slice(0, 40))}`);
    } else {
      (current as Directive).args.push(token);
    }
  }
  finish();
  return out;
}
