// The PostgreSQL and SQLite schemas must describe one data model. They differ only where the
// databases do: Postgres fields carry native types (@db.Uuid, @db.Timestamptz(3)) that SQLite has no
// use for. Everything else — models, enums, fields, optionality, defaults, keys, relations,
// indexes — must be written the same. This test lists every difference it finds.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatNativeType,
  formatValue,
  parsePrismaSchema,
  type PrismaField,
  type PrismaIndex,
  type PrismaModel,
  type PrismaSchema,
  type Relation,
} from "@/lib/testing/prisma-schema";

const read = (db: "postgres" | "sqlite") => fs.readFileSync(path.join(process.cwd(), "prisma", db, "schema.prisma"), "utf8");
const PG_TEXT = read("postgres");
const SQLITE_TEXT = read("sqlite");

// A Postgres field type (with its native type) → the SQLite type it pairs with. A type not listed
// here must be written identically in both files, so any other @db attribute on one side is drift.
const PG_TO_SQLITE_TYPE: Record<string, string> = {
  "String @db.Uuid": "String",
  "DateTime @db.Timestamptz(3)": "DateTime",
};

const typeText = (f: PrismaField) => [f.type, formatNativeType(f.nativeType)].filter(Boolean).join(" ");
const yesNo = (b: boolean) => (b ? "yes" : "no");
const fieldShape = (f: PrismaField) => `${typeText(f)}${f.list ? "[]" : ""}${f.optional ? "?" : ""}`;
const fmtIndex = (i: PrismaIndex) =>
  `[${i.fields.join(", ")}]${i.name !== null ? `, name: "${i.name}"` : ""}${i.map !== null ? `, map: "${i.map}"` : ""}`;
function fmtRelation(r: Relation | null): string {
  if (!r) return "none";
  const parts = [
    r.name !== null ? JSON.stringify(r.name) : null,
    r.fields.length ? `fields: [${r.fields.join(", ")}]` : null,
    r.references.length ? `references: [${r.references.join(", ")}]` : null,
    r.onDelete ? `onDelete: ${r.onDelete}` : null,
    r.onUpdate ? `onUpdate: ${r.onUpdate}` : null,
    r.map !== null ? `map: "${r.map}"` : null,
  ];
  return `@relation(${parts.filter(Boolean).join(", ")})`;
}

/** Every difference between the two schemas, one readable line each; [] when they agree. */
function compareSchemas(pg: PrismaSchema, sqlite: PrismaSchema): string[] {
  const out: string[] = [];
  const differ = (what: string, a: string, b: string) => {
    if (a !== b) out.push(`${what}: postgres ${a} ≠ sqlite ${b}`);
  };
  // Names present on one side only are reported here; the callback gets the pairs present on both.
  function pair<T extends { name: string }>(label: (x: T) => string, as: T[], bs: T[], both: (a: T, b: T) => void) {
    for (const a of as) {
      const b = bs.find((x) => x.name === a.name);
      if (b) both(a, b);
      else out.push(`${label(a)}: only in postgres`);
    }
    for (const b of bs) if (!as.some((x) => x.name === b.name)) out.push(`${label(b)}: only in sqlite`);
  }
  function sameSet(what: string, as: string[], bs: string[]) {
    for (const a of as) if (!bs.includes(a)) out.push(`${what}(${a}): only in postgres`);
    for (const b of bs) if (!as.includes(b)) out.push(`${what}(${b}): only in sqlite`);
  }

  pair((e) => `enum ${e.name}`, pg.enums, sqlite.enums, (a, b) => differ(`enum ${a.name} values`, a.values.join(", "), b.values.join(", ")));

  pair((m: PrismaModel) => `model ${m.name}`, pg.models, sqlite.models, (pm, sm) => {
    differ(`${pm.name} @@map`, pm.dbName, sm.dbName);
    differ(`${pm.name} primary key`, pm.primaryKey ? fmtIndex(pm.primaryKey) : "none", sm.primaryKey ? fmtIndex(sm.primaryKey) : "none");
    sameSet(`${pm.name} @@unique`, pm.uniques.map(fmtIndex), sm.uniques.map(fmtIndex));
    sameSet(`${pm.name} @@index`, pm.indexes.map(fmtIndex), sm.indexes.map(fmtIndex));

    pair((f: PrismaField) => `${pm.name}.${f.name}`, pm.fields, sm.fields, (pf, sf) => {
      const at = `${pm.name}.${pf.name}`;
      const pgType = typeText(pf);
      differ(`${at} type`, PG_TO_SQLITE_TYPE[pgType] ?? pgType, typeText(sf));
      differ(`${at} optional`, yesNo(pf.optional), yesNo(sf.optional));
      differ(`${at} list`, yesNo(pf.list), yesNo(sf.list));
      differ(`${at} default`, pf.default ? formatValue(pf.default) : "none", sf.default ? formatValue(sf.default) : "none");
      differ(`${at} @id`, yesNo(pf.id), yesNo(sf.id));
      differ(`${at} @unique`, yesNo(pf.unique), yesNo(sf.unique));
      differ(`${at} @updatedAt`, yesNo(pf.updatedAt), yesNo(sf.updatedAt));
      differ(`${at} @map`, pf.dbName, sf.dbName);
      differ(`${at} relation`, fmtRelation(pf.relation), fmtRelation(sf.relation));
    });
  });
  // The "only in" lines above name the item; say what it is, so the report reads on its own.
  return out.map((line) => {
    const m = /^(\w+)\.(\w+): only in (postgres|sqlite)$/.exec(line);
    if (!m) return line;
    const f = (m[3] === "postgres" ? pg : sqlite).models.find((x) => x.name === m[1])?.fields.find((x) => x.name === m[2]);
    return f ? `${line} (${fieldShape(f)})` : line;
  });
}

/** Replaces the one occurrence of `anchor` in `text`; throws if it is missing or ambiguous, so a schema edit cannot make a case vacuous. */
function doctor(text: string, anchor: RegExp, replacement: string): string {
  const hits = text.match(new RegExp(anchor.source, "g"))?.length ?? 0;
  if (hits !== 1) throw new Error(`doctoring anchor ${anchor} matches ${hits} times in the schema; update the test`);
  return text.replace(anchor, replacement);
}

describe("Prisma schema parity (postgres ↔ sqlite)", () => {
  const pg = parsePrismaSchema(PG_TEXT);
  const sqlite = parsePrismaSchema(SQLITE_TEXT);

  it("reads both files as the schema of their own database", () => {
    expect(pg.provider).toBe("postgresql");
    expect(sqlite.provider).toBe("sqlite");
    // Guards against a vacuous pass (e.g. both files parsed to nothing).
    expect(pg.models.map((m) => m.name)).toContain("AuditEvent");
    expect(pg.enums.map((e) => e.name)).toContain("Role");
  });

  it("has no drift between the two schema files", () => {
    const diffs = compareSchemas(pg, sqlite);
    expect(diffs, `schema drift:\n  ${diffs.join("\n  ")}`).toEqual([]);
  });

  // The comparison must be able to fail: each doctored copy differs from the real schema in exactly
  // one way, and the comparison must report exactly that one difference.
  const cases: Array<{ name: string; db: "postgres" | "sqlite"; anchor: RegExp; replacement: string; expected: string }> = [
    {
      name: "an extra field",
      db: "postgres",
      anchor: /(\n  passwordHash +String\n)/,
      replacement: "$1  nickname String?\n",
      expected: "User.nickname: only in postgres (String?)",
    },
    {
      name: "a changed default",
      db: "sqlite",
      anchor: /(inboundThreshold +Int +)@default\(5\)/,
      replacement: "$1@default(6)",
      expected: "WafPolicy.inboundThreshold default: postgres 5 ≠ sqlite 6",
    },
    {
      name: "a native type other than the mapped ones",
      db: "postgres",
      anchor: /(\n  cidr +String)\n/,
      replacement: "$1 @db.Inet\n",
      expected: "IpListEntry.cidr type: postgres String @db.Inet ≠ sqlite String",
    },
    {
      name: "a native type on the SQLite side",
      db: "sqlite",
      anchor: /(\n  ruleId +Int +@unique)\n/,
      replacement: "$1 @db.Integer\n",
      expected: "CustomRule.ruleId type: postgres Int ≠ sqlite Int @db.Integer",
    },
    {
      name: "a changed onDelete",
      db: "sqlite",
      anchor: /(model CustomRule \{[^}]*?onDelete: )Cascade/,
      replacement: "$1Restrict",
      expected:
        "CustomRule.vhost relation: postgres @relation(fields: [vhostId], references: [id], onDelete: Cascade) ≠ sqlite @relation(fields: [vhostId], references: [id], onDelete: Restrict)",
    },
    {
      name: "a field made optional",
      db: "postgres",
      anchor: /(\n  actorEmail +String)\n/,
      replacement: "$1?\n",
      expected: "AuditEvent.actorEmail optional: postgres yes ≠ sqlite no",
    },
    {
      name: "a missing @@index",
      db: "sqlite",
      anchor: /\n  @@index\(\[action, seq\]\)/,
      replacement: "",
      expected: "AuditEvent @@index([action, seq]): only in postgres",
    },
    {
      name: "an extra enum value",
      db: "sqlite",
      anchor: /(\n  AUDITOR\n)/,
      replacement: "$1  VIEWER\n",
      expected: "enum Role values: postgres ADMIN, EDITOR, AUDITOR ≠ sqlite ADMIN, EDITOR, AUDITOR, VIEWER",
    },
    {
      name: "a dropped @unique",
      db: "postgres",
      anchor: /(\n  domain +String +)@unique/,
      replacement: "$1",
      expected: "VirtualHost.domain @unique: postgres no ≠ sqlite yes",
    },
  ];

  it.each(cases)("reports exactly the one difference in a copy with $name", ({ db, anchor, replacement, expected }) => {
    const doctoredPg = db === "postgres" ? parsePrismaSchema(doctor(PG_TEXT, anchor, replacement)) : pg;
    const doctoredSqlite = db === "sqlite" ? parsePrismaSchema(doctor(SQLITE_TEXT, anchor, replacement)) : sqlite;
    expect(compareSchemas(doctoredPg, doctoredSqlite)).toEqual([expected]);
  });
});

describe("prisma-schema parser", () => {
  it("normalizes fields, relations and block attributes", () => {
    const s = parsePrismaSchema(`
      datasource db {
        provider = "postgresql" // trailing comment
      }
      /// doc comment
      enum Kind {
        A
        B
      }
      model Parent {
        id    String  @id @default(uuid()) @db.Uuid
        kids  Child[]
      }
      model Child {
        id       Int      @id @default(autoincrement())
        parentId String   @map("parent_id") @db.Uuid
        parent   Parent   @relation(fields: [parentId], references: [id], onDelete: Cascade)
        kind     Kind     @default(A)
        label    String?  @default("x \\"y\\"")
        at       DateTime @default(now()) @db.Timestamptz(3)
        @@unique([parentId, kind], map: "child_uq")
        @@index([
          kind,
          at
        ])
        @@map("children")
      }
    `);
    expect(s.provider).toBe("postgresql");
    expect(s.enums).toEqual([{ name: "Kind", values: ["A", "B"], line: 6 }]);
    const child = s.models.find((m) => m.name === "Child")!;
    expect(child.dbName).toBe("children");
    expect(child.primaryKey).toEqual({ fields: ["id"], name: null, map: null });
    expect(child.uniques).toEqual([{ fields: ["parentId", "kind"], name: null, map: "child_uq" }]);
    expect(child.indexes).toEqual([{ fields: ["kind", "at"], name: null, map: null }]);
    const f = (name: string) => child.fields.find((x) => x.name === name)!;
    expect(f("parentId")).toMatchObject({ dbName: "parent_id", kind: "scalar", nativeType: { name: "Uuid", args: [] } });
    expect(f("parent")).toMatchObject({
      kind: "object",
      relation: { name: null, fields: ["parentId"], references: ["id"], onDelete: "Cascade", onUpdate: null, map: null },
    });
    expect(f("kind")).toMatchObject({ kind: "enum", default: { kind: "ref", name: "A" } });
    expect(f("label")).toMatchObject({ optional: true, default: { kind: "string", value: 'x "y"' } });
    expect(formatValue(f("id").default!)).toBe("autoincrement()");
    expect(formatNativeType(f("at").nativeType)).toBe("@db.Timestamptz(3)");
    expect(s.models.find((m) => m.name === "Parent")!.fields[1]).toMatchObject({ kind: "object", list: true, relation: null });
  });

  it("refuses what it does not understand instead of skipping it", () => {
    expect(() => parsePrismaSchema(`model A {\n  id Int @id\n  n  Int @ignore\n}`)).toThrow(/line 3: unsupported attribute @ignore on A.n/);
    expect(() => parsePrismaSchema(`model A {\n  id Int @id\n  @@fulltext([id])\n}`)).toThrow(/unsupported attribute @@fulltext/);
    expect(() => parsePrismaSchema(`view V {\n  id Int\n}`)).toThrow(/unsupported block "view"/);
    expect(() => parsePrismaSchema(`model A {\n  id Int @id\n  b  Bogus\n}`)).toThrow(/unknown type Bogus of A.b/);
    expect(() => parsePrismaSchema(`model A {\n  id Int @id\n  @@index([nope])\n}`)).toThrow(/unknown field nope/);
    expect(() => parsePrismaSchema(`model A {\n  id Int @id\n  @@index([id(sort: Desc)])\n}`)).toThrow(/only plain field names/);
  });
});
