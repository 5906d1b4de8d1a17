import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { useForm } from "react-hook-form";
import { describe, expect, it } from "vitest";
import { htmlFields } from "./form-fields";

type Values = { password: string; name: string; threshold: number; mode: "A" | "B"; level: number; on: boolean; off: boolean; nested: { note: string }; empty: number };

function Form({ values }: { values: Values }) {
  const form = useForm<Values>({ defaultValues: values });
  const { field, checkbox, radio, secret } = htmlFields(form);
  return h(
    "form",
    null,
    h("input", { id: "name", ...field("name") }),
    h("input", { id: "threshold", type: "number", ...field("threshold", { valueAsNumber: true }) }),
    h("input", { id: "empty", type: "number", ...field("empty", { valueAsNumber: true }) }),
    h("input", { id: "mode-a", ...radio("mode", "A") }),
    h("input", { id: "mode-b", ...radio("mode", "B") }),
    h("select", { id: "level", ...field("level") }, h("option", { value: "1" }, "1"), h("option", { value: "2" }, "2")),
    h("input", { id: "on", ...checkbox("on") }),
    h("input", { id: "off", ...checkbox("off") }),
    h("textarea", { id: "note", ...field("nested.note") }),
    h("input", { id: "password", type: "password", ...secret("password") }),
  );
}

// Deferred forms (components/deferred.tsx) show their server HTML until they hydrate: it must carry the values.
describe("htmlFields: the server-rendered form shows the form's values", () => {
  const html = renderToString(h(Form, { values: { password: "typed-secret-1", name: "shop <1>", threshold: 5, mode: "B", level: 2, on: true, off: false, nested: { note: "why" }, empty: NaN } }));
  const tag = (id: string) => new RegExp(`<(input|select|textarea)[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? "";

  it("puts text and numbers in value, escaped, and leaves a NaN number empty", () => {
    expect(tag("name")).toContain('value="shop &lt;1&gt;"');
    expect(tag("threshold")).toContain('value="5"');
    expect(tag("empty")).toContain('value=""');
  });

  it("checks the radio holding the value and the true checkbox, only those", () => {
    expect(tag("mode-b")).toMatch(/checked=""/);
    expect(tag("mode-a")).not.toMatch(/checked/);
    expect(tag("on")).toMatch(/checked=""/);
    expect(tag("off")).not.toMatch(/checked/);
    expect(tag("on")).toContain('type="checkbox"');
    expect(tag("on")).not.toMatch(/value=/); // a value attribute would turn react-hook-form's boolean into that string
  });

  it("never writes a password into the HTML", () => {
    expect(tag("password")).toContain('type="password"');
    expect(html).not.toContain("typed-secret-1");
  });

  it("selects the option and fills a textarea, by nested path too", () => {
    expect(html).toMatch(/<option value="2" selected="">2<\/option>/);
    expect(html).not.toMatch(/<option value="1" selected/);
    expect(html).toMatch(/<textarea[^>]*id="note"[^>]*>why<\/textarea>/);
  });
});
