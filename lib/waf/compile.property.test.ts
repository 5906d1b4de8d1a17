// Property tests: hostile text in any stored string field either makes the compiler refuse with a
// CompileError naming that field, or leaves the bundle's directive structure exactly as it should be —
// no directive injected, none swallowed, no block opened or closed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileBundle } from "./compile";
import { parseBundle, parseModSecurity, type Directive } from "./parse-directives";
import { BASE, baseInput, hostile, MUTATORS } from "@/lib/testing/waf-fixtures";
import { CompileError } from "./types";

/** The structure of a bundle: per file, each directive's name, enclosing blocks and argument count. */
function skeleton(directives: Directive[]): string[] {
  return directives.map((d) => {
    // Only the mutated vhost's files can be renamed (by a domain change): give them a fixed name.
    const file = d.file.replace(/^(vhosts|rules)\/(?!other\.example\.com\.conf$).*$/, "$1/<prop>.conf");
    return `${file} | ${d.context.join(" > ")} | ${d.name} ${d.block ? "{" : ""}/${d.args.length}`;
  });
}

const sortedSkeleton = (directives: Directive[]) => {
  const byFile = new Map<string, string[]>();
  for (const line of skeleton(directives)) {
    const file = line.split(" | ")[0]!;
    byFile.set(file, [...(byFile.get(file) ?? []), line]);
  }
  return [...byFile.keys()].sort().flatMap((f) => byFile.get(f)!);
};

const BASE_DIRECTIVES = parseBundle(compileBundle(baseInput()));

/** The expected structure when the custom rule's text is `text` (a chain may add SecRule directives). */
function expectedWithRule(text: string): string[] {
  const ruleFile = "rules/prop.example.com.conf";
  const out: Directive[] = [];
  for (const d of BASE_DIRECTIVES) {
    if (d.file === ruleFile && d.name === "SecRule" && d.args[2]?.startsWith("id:4001,")) {
      out.push(...parseModSecurity(text, ruleFile));
    } else out.push(d);
  }
  return sortedSkeleton(out);
}

// Thousands of compilations: allow for a busy machine.
describe("compileBundle with hostile stored text", { timeout: 30_000 }, () => {
  it("refuses with a CompileError naming the field, or keeps the directive structure", () => {
    const expectedBase = sortedSkeleton(BASE_DIRECTIVES);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...MUTATORS).chain((m) => hostile(m.valid).map((s) => [m, s] as const)),
        ([m, s]) => {
          // An empty path prefix means "no prefix": the exclusion then rightly covers the whole vhost.
          fc.pre(!(m.field === "exclusions[0].pathPrefix" && s === ""));
          let bundle;
          try {
            bundle = compileBundle(m.apply(s));
          } catch (e) {
            // Anything but a CompileError (an internal assertion, a crash) is a bug.
            if (!(e instanceof CompileError)) throw e;
            expect(e.field.startsWith(m.errorField)).toBe(true);
            expect(e.vhost === null ? null : "vhost").toBe(m.errorVhost);
            refused++;
            return;
          }
          accepted++;
          const actual = sortedSkeleton(parseBundle(bundle));
          const expected = m.field === "customRules[0].secRule" ? expectedWithRule(s.trim()) : expectedBase;
          expect(actual).toEqual(expected);
          if (m.field === "customRules[0].secRule") {
            const names = parseModSecurity(s.trim()).map((d) => d.name);
            expect(names[0] === "SecRule" || names[0] === "SecAction").toBe(true);
            expect(names.slice(1).every((n) => n === "SecRule")).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
    // Both outcomes must actually occur, or the property proves little.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  it("gives the same bytes for any order of the input lists", () => {
    const input = baseInput({
      ...BASE,
      ipEntries: [...BASE.ipEntries, { kind: "DENY", cidr: "198.51.100.0/24", note: null }, { kind: "DENY", cidr: "198.51.100.0/24", note: null }],
    });
    const expected = JSON.stringify(compileBundle(input));
    const v = input.vhosts[0]!;
    const perm = <T,>(items: T[]) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
    fc.assert(
      fc.property(perm(input.vhosts), perm(v.aliases), perm(v.ipEntries), perm(v.exclusions), (vhosts, aliases, ipEntries, exclusions) => {
        const shuffled = vhosts.map((x) => (x.domain === v.domain ? { ...x, aliases, ipEntries, exclusions } : x));
        expect(JSON.stringify(compileBundle({ ...input, vhosts: shuffled }))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
