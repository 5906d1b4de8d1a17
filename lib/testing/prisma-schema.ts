// A small parser for the part of the Prisma schema language this project uses, so that tests can
// compare the two schemas with each other (schema-parity.test.ts) and with the databases the SQL
// migrations produce (migrations.int.test.ts).
//
// Why not Prisma's own parser: in Prisma 7 getDMMF lives in @prisma/internals, which is not a
// dependency here; the prisma CLI only carries it inside its bundle, with no public entry point.
//
// Anything outside the supported subset is an error, never silently skipped: a schema that uses an
// attribute this file does not know must make the tests fail until the parser (and the comparisons)
// learn it. Supported:
//   blocks      generator, datasource (key = value), enum, model
//   fields      name Type, Type?, Type[]
//   attributes  @id @unique @default(…) @updatedAt @map("…") @db.X(…)
//               @relation([name,] fields: […], references: […], onDelete: X, onUpdate: X, map: "…")
//   block attrs @@id([…]) @@unique([…]) @@index([…]) (with optional name:/map:) @@map("…")

export const SCALAR_TYPES = ["String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** An attribute argument or a `key = value` in generator/datasource blocks. */
export type Value =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "ref"; name: string } // a bare name: an enum value, a field, Cascade, …
  | { kind: "call"; name: string; args: Arg[] } // now(), uuid(), env("X"), dbgenerated("…")
  | { kind: "list"; items: Value[] };
export type Arg = { name: string | null; value: Value };

export type NativeType = { name: string; args: string[] }; // @db.Timestamptz(3) → { name: "Timestamptz", args: ["3"] }

export type Relation = {
  name: string | null;
  fields: string[];
  references: string[];
  onDelete: string | null; // as written; null = Prisma's default for the relation
  onUpdate: string | null;
  map: string | null;
};

export type PrismaField = {
  name: string;
  dbName: string; // @map, else name
  type: string; // scalar name, enum name or model name
  kind: "scalar" | "enum" | "object";
  optional: boolean;
  list: boolean;
  id: boolean;
  unique: boolean;
  updatedAt: boolean;
  default: Value | null;
  nativeType: NativeType | null;
  relation: Relation | null; // only on the side that holds `fields`/`references`, or a named back-relation
  line: number;
};

export type PrismaIndex = { fields: string[]; name: string | null; map: string | null };

export type PrismaModel = {
  name: string;
  dbName: string; // @@map, else name
  fields: PrismaField[];
  /** From a field's @id or the model's @@id; null when the model has neither. */
  primaryKey: PrismaIndex | null;
  /** @@unique only; single-field @unique stays on the field. */
  uniques: PrismaIndex[];
  indexes: PrismaIndex[];
  line: number;
};

export type PrismaEnum = { name: string; values: string[]; line: number };

export type PrismaSchema = {
  provider: string | null; // datasource provider
  models: PrismaModel[];
  enums: PrismaEnum[];
};

export class PrismaSchemaError extends Error {
  constructor(message: string, line: number) {
    super(`schema.prisma line ${line}: ${message}`);
    this.name = "PrismaSchemaError";
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens. Newlines end fields and block attributes, except inside (…) and […], so attribute
// arguments may span lines.

type Tok =
  | { t: "ident"; v: string; line: number }
  | { t: "string"; v: string; line: number }
  | { t: "number"; v: number; line: number }
  | { t: "punct"; v: string; line: number }
  | { t: "nl"; line: number }
  | { t: "eof"; line: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let depth = 0; // ( and [ nesting
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      if (depth === 0 && out.at(-1)?.t !== "nl") out.push({ t: "nl", line });
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === '"') {
      let s = "";
      i++;
      while (src[i] !== '"') {
        if (i >= src.length || src[i] === "\n") throw new PrismaSchemaError("unterminated string", line);
        if (src[i] === "\\") {
          const e = src[i + 1];
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
          i += 2;
        } else s += src[i++];
      }
      i++;
      out.push({ t: "string", v: s, line });
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new PrismaSchemaError(`unexpected "${c}"`, line);
      out.push({ t: "number", v: Number(m[0]), line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: "ident", v: m[0], line });
      i += m[0].length;
    } else if (c === "@" && src[i + 1] === "@") {
      out.push({ t: "punct", v: "@@", line });
      i += 2;
    } else if ("{}()[],:?@.=".includes(c)) {
      if (c === "(" || c === "[") depth++;
      if (c === ")" || c === "]") depth = Math.max(0, depth - 1);
      out.push({ t: "punct", v: c, line });
      i++;
    } else {
      throw new PrismaSchemaError(`unexpected character "${c}"`, line);
    }
  }
  out.push({ t: "eof", line });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Syntax: blocks, lines, attributes, values.

type RawAttr = { name: string; args: Arg[]; line: number }; // name without @ / @@, e.g. "default", "db.Uuid"

class Parser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(): Tok {
    return this.toks[this.pos]!;
  }
  next(): Tok {
    return this.toks[this.pos++]!;
  }
  isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === "punct" && t.v === v;
  }
  expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== "punct" || t.v !== v) throw new PrismaSchemaError(`expected "${v}", found ${describe(t)}`, t.line);
  }
  expectIdent(): { v: string; line: number } {
    const t = this.next();
    if (t.t !== "ident") throw new PrismaSchemaError(`expected a name, found ${describe(t)}`, t.line);
    return t;
  }
  skipNewlines(): void {
    while (this.peek().t === "nl") this.pos++;
  }
  endOfLine(): void {
    const t = this.next();
    if (t.t !== "nl" && !(t.t === "punct" && t.v === "}")) {
      throw new PrismaSchemaError(`unexpected ${describe(t)} at end of line`, t.line);
    }
    if (t.t === "punct") this.pos--; // leave "}" for the block
  }

  value(): Value {
    const t = this.next();
    switch (t.t) {
      case "string":
        return { kind: "string", value: t.v };
      case "number":
        return { kind: "number", value: t.v };
      case "ident": {
        if (t.v === "true" || t.v === "false") return { kind: "boolean", value: t.v === "true" };
        let name = t.v;
        while (this.isPunct(".")) {
          this.next();
          name += "." + this.expectIdent().v;
        }
        if (this.isPunct("(")) return { kind: "call", name, args: this.args() };
        return { kind: "ref", name };
      }
      case "punct":
        if (t.v === "[") {
          const items: Value[] = [];
          while (!this.isPunct("]")) {
            items.push(this.value());
            if (!this.isPunct("]")) this.expectPunct(",");
          }
          this.next();
          return { kind: "list", items };
        }
    }
    throw new PrismaSchemaError(`expected a value, found ${describe(t)}`, t.line);
  }

  /** `( [name:] value, … )` */
  args(): Arg[] {
    this.expectPunct("(");
    const out: Arg[] = [];
    while (!this.isPunct(")")) {
      const t = this.peek();
      const after = this.toks[this.pos + 1]!;
      if (t.t === "ident" && after.t === "punct" && after.v === ":") {
        this.pos += 2;
        out.push({ name: t.v, value: this.value() });
      } else {
        out.push({ name: null, value: this.value() });
      }
      if (!this.isPunct(")")) this.expectPunct(",");
    }
    this.next();
    return out;
  }

  /** After "@" or "@@": name(.name)* [args] */
  attribute(): RawAttr {
    const first = this.expectIdent();
    let name = first.v;
    while (this.isPunct(".")) {
      this.next();
      name += "." + this.expectIdent().v;
    }
    return { name, args: this.isPunct("(") ? this.args() : [], line: first.line };
  }
}

function describe(t: Tok): string {
  if (t.t === "nl") return "end of line";
  if (t.t === "eof") return "end of file";
  return `"${t.v}"`;
}

// ---------------------------------------------------------------------------------------------
// Semantics: turn raw attributes into the normalized structure.

type DraftField = Omit<PrismaField, "kind"> & { kind: PrismaField["kind"] | null };
type DraftModel = Omit<PrismaModel, "fields"> & { fields: DraftField[] };

function onlyArgs(attr: RawAttr, where: string, allowed: string[]): void {
  for (const a of attr.args) {
    if (a.name !== null && !allowed.includes(a.name)) {
      throw new PrismaSchemaError(`unsupported argument "${a.name}:" of @${attr.name} on ${where}`, attr.line);
    }
  }
}

function named(attr: RawAttr, name: string): Value | null {
  return attr.args.find((a) => a.name === name)?.value ?? null;
}

function stringArg(attr: RawAttr, name: string, where: string): string | null {
  const v = named(attr, name);
  if (v === null) return null;
  if (v.kind !== "string") throw new PrismaSchemaError(`${name}: of @${attr.name} on ${where} must be a string`, attr.line);
  return v.value;
}

function refArg(attr: RawAttr, name: string, where: string): string | null {
  const v = named(attr, name);
  if (v === null) return null;
  if (v.kind !== "ref") throw new PrismaSchemaError(`${name}: of @${attr.name} on ${where} must be a name`, attr.line);
  return v.name;
}

function fieldList(v: Value | null, attr: RawAttr, where: string): string[] {
  if (v === null || v.kind !== "list") throw new PrismaSchemaError(`@${attr.name} on ${where} needs a list of fields`, attr.line);
  return v.items.map((item) => {
    if (item.kind !== "ref") {
      throw new PrismaSchemaError(`@${attr.name} on ${where}: only plain field names are supported in the list (no sort/length)`, attr.line);
    }
    return item.name;
  });
}

/** @@id / @@unique / @@index: `([a, b])` or `(fields: [a, b])`, with optional name:/map:. */
function blockIndex(attr: RawAttr, where: string): PrismaIndex {
  onlyArgs(attr, where, ["fields", "name", "map"]);
  const positional = attr.args.filter((a) => a.name === null);
  if (positional.length > 1) throw new PrismaSchemaError(`@@${attr.name} on ${where}: too many arguments`, attr.line);
  const list = named(attr, "fields") ?? positional[0]?.value ?? null;
  return { fields: fieldList(list, attr, where), name: stringArg(attr, "name", where), map: stringArg(attr, "map", where) };
}

function parseField(p: Parser, model: string): DraftField {
  const nameTok = p.expectIdent();
  const where = `${model}.${nameTok.v}`;
  const type = p.expectIdent().v;
  let list = false;
  let optional = false;
  if (p.isPunct("[")) {
    p.next();
    p.expectPunct("]");
    list = true;
  }
  if (p.isPunct("?")) {
    p.next();
    optional = true;
  }
  const f: DraftField = {
    name: nameTok.v,
    dbName: nameTok.v,
    type,
    kind: null,
    optional,
    list,
    id: false,
    unique: false,
    updatedAt: false,
    default: null,
    nativeType: null,
    relation: null,
    line: nameTok.line,
  };
  while (p.isPunct("@")) {
    p.next();
    const attr = p.attribute();
    const seen = (flag: boolean) => {
      if (flag) throw new PrismaSchemaError(`@${attr.name} twice on ${where}`, attr.line);
    };
    if (attr.name === "id" || attr.name === "unique") {
      if (attr.args.length > 0) throw new PrismaSchemaError(`arguments of @${attr.name} on ${where} are not supported`, attr.line);
      seen(f[attr.name]);
      f[attr.name] = true;
    } else if (attr.name === "updatedAt") {
      seen(f.updatedAt);
      f.updatedAt = true;
    } else if (attr.name === "default") {
      onlyArgs(attr, where, []);
      if (attr.args.length !== 1) throw new PrismaSchemaError(`@default on ${where} takes one value`, attr.line);
      seen(f.default !== null);
      f.default = attr.args[0]!.value;
    } else if (attr.name === "map") {
      const v = attr.args[0]?.value;
      if (attr.args.length !== 1 || v?.kind !== "string") throw new PrismaSchemaError(`@map on ${where} takes one string`, attr.line);
      f.dbName = v.value;
    } else if (attr.name.startsWith("db.")) {
      seen(f.nativeType !== null);
      f.nativeType = { name: attr.name.slice(3), args: attr.args.map((a) => formatValue(a.value)) };
    } else if (attr.name === "relation") {
      onlyArgs(attr, where, ["name", "fields", "references", "onDelete", "onUpdate", "map"]);
      const positional = attr.args.filter((a) => a.name === null);
      const nameValue = named(attr, "name") ?? positional[0]?.value ?? null;
      if (positional.length > 1 || (nameValue && nameValue.kind !== "string")) {
        throw new PrismaSchemaError(`@relation on ${where}: the relation name must be one string`, attr.line);
      }
      const hasFields = named(attr, "fields") !== null;
      f.relation = {
        name: nameValue?.kind === "string" ? nameValue.value : null,
        fields: hasFields ? fieldList(named(attr, "fields"), attr, where) : [],
        references: named(attr, "references") !== null ? fieldList(named(attr, "references"), attr, where) : [],
        onDelete: refArg(attr, "onDelete", where),
        onUpdate: refArg(attr, "onUpdate", where),
        map: stringArg(attr, "map", where),
      };
    } else {
      throw new PrismaSchemaError(`unsupported attribute @${attr.name} on ${where} (lib/testing/prisma-schema.ts does not know it yet)`, attr.line);
    }
  }
  p.endOfLine();
  return f;
}

function parseModel(p: Parser, name: string, line: number): DraftModel {
  const m: DraftModel = { name, dbName: name, fields: [], primaryKey: null, uniques: [], indexes: [], line };
  p.expectPunct("{");
  for (;;) {
    p.skipNewlines();
    if (p.isPunct("}")) {
      p.next();
      break;
    }
    if (p.isPunct("@@")) {
      p.next();
      const attr = p.attribute();
      if (attr.name === "id") {
        if (m.primaryKey) throw new PrismaSchemaError(`model ${name} has two primary keys`, attr.line);
        m.primaryKey = blockIndex(attr, name);
      } else if (attr.name === "unique") {
        m.uniques.push(blockIndex(attr, name));
      } else if (attr.name === "index") {
        m.indexes.push(blockIndex(attr, name));
      } else if (attr.name === "map") {
        const v = attr.args[0]?.value;
        if (attr.args.length !== 1 || v?.kind !== "string") throw new PrismaSchemaError(`@@map on ${name} takes one string`, attr.line);
        m.dbName = v.value;
      } else {
        throw new PrismaSchemaError(`unsupported attribute @@${attr.name} on model ${name} (lib/testing/prisma-schema.ts does not know it yet)`, attr.line);
      }
      p.endOfLine();
      continue;
    }
    const f = parseField(p, name);
    if (m.fields.some((o) => o.name === f.name)) throw new PrismaSchemaError(`field ${name}.${f.name} is declared twice`, f.line);
    m.fields.push(f);
  }
  const ids = m.fields.filter((f) => f.id);
  if (ids.length > 1 || (ids.length === 1 && m.primaryKey)) throw new PrismaSchemaError(`model ${name} has more than one primary key`, line);
  if (ids[0]) m.primaryKey = { fields: [ids[0].name], name: null, map: null };
  return m;
}

function parseEnum(p: Parser, name: string, line: number): PrismaEnum {
  const values: string[] = [];
  p.expectPunct("{");
  for (;;) {
    p.skipNewlines();
    if (p.isPunct("}")) {
      p.next();
      break;
    }
    if (p.isPunct("@") || p.isPunct("@@")) {
      throw new PrismaSchemaError(`attributes in enum ${name} are not supported (lib/testing/prisma-schema.ts does not know them yet)`, p.peek().line);
    }
    values.push(p.expectIdent().v);
    p.endOfLine();
  }
  return { name, values, line };
}

/** generator / datasource: `key = value` lines. */
function parseSettings(p: Parser): Map<string, Value> {
  const out = new Map<string, Value>();
  p.expectPunct("{");
  for (;;) {
    p.skipNewlines();
    if (p.isPunct("}")) {
      p.next();
      return out;
    }
    const key = p.expectIdent().v;
    p.expectPunct("=");
    out.set(key, p.value());
    p.endOfLine();
  }
}

/** Parses a schema.prisma text. Throws PrismaSchemaError (with the line) on anything outside the supported subset. */
export function parsePrismaSchema(src: string): PrismaSchema {
  const p = new Parser(tokenize(src));
  const models: DraftModel[] = [];
  const enums: PrismaEnum[] = [];
  let provider: string | null = null;
  for (;;) {
    p.skipNewlines();
    const t = p.peek();
    if (t.t === "eof") break;
    const keyword = p.expectIdent();
    if (keyword.v === "generator" || keyword.v === "datasource") {
      p.expectIdent();
      const settings = parseSettings(p);
      const prov = settings.get("provider");
      if (keyword.v === "datasource" && prov?.kind === "string") provider = prov.value;
    } else if (keyword.v === "model" || keyword.v === "enum") {
      const name = p.expectIdent().v;
      if ([...models, ...enums].some((b) => b.name === name)) throw new PrismaSchemaError(`${name} is declared twice`, keyword.line);
      if (keyword.v === "model") models.push(parseModel(p, name, keyword.line));
      else enums.push(parseEnum(p, name, keyword.line));
    } else {
      throw new PrismaSchemaError(`unsupported block "${keyword.v}" (lib/testing/prisma-schema.ts knows generator, datasource, model, enum)`, keyword.line);
    }
  }

  // Resolve field types and check that everything a field or index names exists.
  const modelNames = new Set(models.map((m) => m.name));
  const enumNames = new Set(enums.map((e) => e.name));
  for (const m of models) {
    const has = (f: string) => m.fields.some((o) => o.name === f);
    for (const f of m.fields) {
      const where = `${m.name}.${f.name}`;
      if ((SCALAR_TYPES as readonly string[]).includes(f.type)) f.kind = "scalar";
      else if (enumNames.has(f.type)) f.kind = "enum";
      else if (modelNames.has(f.type)) f.kind = "object";
      else throw new PrismaSchemaError(`unknown type ${f.type} of ${where}`, f.line);
      if (f.relation && f.kind !== "object") throw new PrismaSchemaError(`@relation on ${where}, which is not a relation field`, f.line);
      if (f.kind === "object" && (f.default || f.nativeType || f.id || f.unique || f.updatedAt)) {
        throw new PrismaSchemaError(`relation field ${where} cannot carry column attributes`, f.line);
      }
      for (const local of f.relation?.fields ?? []) {
        if (!has(local)) throw new PrismaSchemaError(`@relation on ${where} names unknown field ${local}`, f.line);
      }
      const target = models.find((o) => o.name === f.type);
      for (const ref of f.relation?.references ?? []) {
        if (!target?.fields.some((o) => o.name === ref)) throw new PrismaSchemaError(`@relation on ${where} references unknown field ${f.type}.${ref}`, f.line);
      }
    }
    for (const idx of [...(m.primaryKey ? [m.primaryKey] : []), ...m.uniques, ...m.indexes]) {
      for (const f of idx.fields) if (!has(f)) throw new PrismaSchemaError(`model ${m.name}: index names unknown field ${f}`, m.line);
    }
  }
  return { provider, models: models as PrismaModel[], enums };
}

// ---------------------------------------------------------------------------------------------
// Helpers for the comparisons.

/** Prisma's own notation for a value: `now()`, `"text"`, `5`, `false`, `EDITOR`, `[a, b]`. */
export function formatValue(v: Value): string {
  switch (v.kind) {
    case "string":
      return JSON.stringify(v.value);
    case "number":
    case "boolean":
      return String(v.value);
    case "ref":
      return v.name;
    case "call":
      return `${v.name}(${v.args.map((a) => (a.name ? `${a.name}: ` : "") + formatValue(a.value)).join(", ")})`;
    case "list":
      return `[${v.items.map(formatValue).join(", ")}]`;
  }
}

/** `@db.Timestamptz(3)`, `@db.Uuid`, or "" without a native type. */
export function formatNativeType(n: NativeType | null): string {
  if (!n) return "";
  return `@db.${n.name}${n.args.length ? `(${n.args.join(", ")})` : ""}`;
}

/** Fields that are columns (not relation fields). */
export function columnFields(m: PrismaModel): PrismaField[] {
  return m.fields.filter((f) => f.kind !== "object");
}

export function findModel(s: PrismaSchema, name: string): PrismaModel | undefined {
  return s.models.find((m) => m.name === name);
}
