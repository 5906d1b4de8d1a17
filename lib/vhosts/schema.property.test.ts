// One definition of a valid vhost: every value the vhost form's schema accepts compiles, and every value
// the compiler refuses, the schema refuses on the same field with a message (issue 15, Low: one EDITOR save
// could block every publish).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput, sampleVhost } from "@/lib/waf/samples";
import { CompileError, type VhostInput } from "@/lib/waf/types";
import { EMPTY_VHOST_FORM, VhostFieldsSchema, vhostColumns, type VhostFormValues } from "./schema";

const BASE_FORM: VhostFormValues = { ...EMPTY_VHOST_FORM, domain: "shop.example.com", backendUrl: "http://10.0.0.5:8080" };

const pick = (...items: string[]) => fc.constantFrom(...items);
const joined = (parts: fc.Arbitrary<string>, max: number) => fc.array(parts, { maxLength: max }).map((p) => p.join(""));


// Mostly plausible pieces with a hostile one now and then, so both outcomes occur often.
const sometimes = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) => fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: bad });
const label = pick("a", "b1", "backend", "xn--bcher-kva", "my-app", "Ab", "internal", "example", "com");
const badLabel = pick("-", "_", "", "ü", "%41", "(", "*", "a_b", "-a", "a".repeat(64));
const hostName = fc.array(sometimes(label, badLabel), { minLength: 1, maxLength: 4 }).map((l) => l.join("."));
const host = fc.oneof(hostName, pick("10.0.0.5", "127.0.0.1", "256.1.1.1", "1.2.3", "01.2.3.4", "[::1]", "[::ffff:1.2.3.4]", "[zz]", "[::1", "my_backend.internal", "BACKEND.Internal"));
const port = fc.oneof({ weight: 3, arbitrary: pick("", ":8080", ":443") }, pick(":", ":x", ":080"), fc.integer({ min: -1, max: 200_000 }).map((n) => `:${n}`));
const pathPiece = sometimes(
  pick("/", "a", "A-z", ".", "~", "_", "-", "v1.2"),
  pick("//", "..", "%20", "%", "(", ")", "?", "?x=1", "#", "#f", "@", "$", ";", " ", "'", '"', "{", "}", "\\", "\n", "ü", "+", ",", "=", "!", ":", "*"),
);
const backendUrl = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(sometimes(pick("http://", "https://", "HTTP://", "Https://"), pick("ftp://", "http:/", "http:", "", "//")), sometimes(pick(""), pick("user@", "u:p@", "@")), host, port, sometimes(fc.array(pathPiece, { maxLength: 5 }).map((p) => (p.length ? `/${p.join("")}` : "")), pick("?", "#", "/?a"))).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const certificateRef = fc.oneof(joined(sometimes(pick("a", "Z", "0", ".", "_", "-", "le", "shop.example.com"), pick("/", "..", " ", "ü", ";", "$")), 6), fc.string({ maxLength: 10 }), pick("a".repeat(128), "a".repeat(129)));
const domain = fc.oneof(
  { weight: 4, arbitrary: fc.array(sometimes(label, pick("-", "_", "", "*", " ", "Bücher", "1", "123")), { minLength: 1, maxLength: 4 }).map((l) => l.join(".")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

type Field = "backendUrl" | "certificateRef" | "domain" | "aliases";
const CASES: { field: Field; value: fc.Arbitrary<string>; form: (v: string) => VhostFormValues }[] = [
  { field: "backendUrl", value: backendUrl, form: (v) => ({ ...BASE_FORM, backendUrl: v }) },
  { field: "certificateRef", value: certificateRef, form: (v) => ({ ...BASE_FORM, tlsMode: "TERMINATE", certificateRef: v }) },
  { field: "domain", value: domain, form: (v) => ({ ...BASE_FORM, domain: v }) },
  { field: "aliases", value: domain, form: (v) => ({ ...BASE_FORM, aliases: v }) },
];

/** The compiler's input for stored columns, as lib/config/load.ts builds it. */
function compileColumns(columns: ReturnType<typeof vhostColumns>) {
  const vhost: VhostInput = sampleVhost("shop.example.com", { ...columns, aliases: [...columns.aliases] });
  return compileBundle(sampleInput([vhost]));
}

/** What the compiler makes of `value` stored as is in `field` (the form's other fields valid). */
function compilerRefuses(field: Field, value: string): CompileError | null {
  const columns = vhostColumns(VhostFieldsSchema.parse(BASE_FORM));
  const stored =
    field === "aliases"
      ? { ...columns, aliases: [value] }
      : field === "certificateRef"
        ? { ...columns, tlsMode: "TERMINATE" as const, certificateRef: value }
        : { ...columns, [field]: value };
  try {
    compileColumns(stored);
    return null;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e;
  }
}

describe("VhostFieldsSchema and the compiler agree", () => {
  it.each(CASES.map((c) => [c.field, c] as const))("%s: what the schema accepts compiles; what the compiler refuses, the schema refuses", (_name, c) => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(c.value, (value) => {
        const parsed = VhostFieldsSchema.safeParse(c.form(value));
        if (parsed.success) {
          accepted++;
          // Throws (and fails the property) if the compiler refuses a value the form saved.
          compileColumns(vhostColumns(parsed.data));
          return;
        }
        refused++;
        // Stored values are the schema's trimmed output; a value with surrounding spaces never reaches the compiler.
        if (c.field !== "aliases" && value !== value.trim()) return;
        const error = compilerRefuses(c.field, value);
        if (error) {
          const messages = parsed.error.issues.filter((i) => i.path[0] === c.field).map((i) => i.message);
          expect(messages.length, `${c.field} ${JSON.stringify(value)}: compiler says ${error.message}`).toBeGreaterThan(0);
          expect(messages.every((m) => m.length > 10)).toBe(true);
        }
      }),
      { numRuns: 800 },
    );
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  it("the values of issue 15 are refused by the form, not only by the compiler", () => {
    for (const backend of ["http://10.0.0.5:8080/app?x=1", "http://10.0.0.5/a%20b", "http://10.0.0.5/wiki/(x)", "http://my_backend.internal"]) {
      expect(compilerRefuses("backendUrl", backend)).not.toBeNull();
      expect(VhostFieldsSchema.safeParse({ ...BASE_FORM, backendUrl: backend }).success).toBe(false);
    }
    expect(compilerRefuses("certificateRef", "le/shop")).not.toBeNull();
    expect(VhostFieldsSchema.safeParse({ ...BASE_FORM, tlsMode: "TERMINATE", certificateRef: "le/shop" }).success).toBe(false);
  });
});
