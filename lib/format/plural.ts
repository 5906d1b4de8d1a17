// Counted nouns for user-visible text: "1 virtual host", "3 virtual hosts", never "virtual host(s)".
// The plural category comes from Intl.PluralRules, so the choice of form is the platform's (English for now);
// the forms themselves are given by the caller, because English plurals are not all "+s" ("entry", "entries").
const rules = new Intl.PluralRules("en");

/** The form for `count`: `other` defaults to `one` + "s". */
export function pluralForm(count: number, one: string, other = `${one}s`): string {
  return rules.select(count) === "one" ? one : other;
}

/** "1 virtual host", "2 virtual hosts", "1,500 entries" (thousands separated as elsewhere in the panel). */
export function plural(count: number, one: string, other?: string): string {
  return `${count.toLocaleString("en")} ${pluralForm(count, one, other)}`;
}
