"use client";
import type { TextareaHTMLAttributes } from "react";
import { forwardRef, useLayoutEffect, useRef, useState } from "react";
import { cx, FIELD } from "./ui";

type TextareaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "children" | "dangerouslySetInnerHTML" | "onChange" | "onBlur" | "defaultValue"> & {
  defaultValue?: string;
  onChange?: (event: { target: HTMLTextAreaElement; type: string }) => unknown;
  onBlur?: (event: { target: HTMLTextAreaElement; type: string }) => unknown;
};

const ATTRIBUTE_NAMES: Record<string, string> = { className: "class", spellCheck: "spellcheck", autoCapitalize: "autocapitalize", autoCorrect: "autocorrect", autoComplete: "autocomplete", readOnly: "readonly", maxLength: "maxlength", minLength: "minlength" };
function setRef(ref: React.Ref<HTMLTextAreaElement> | null | undefined, value: HTMLTextAreaElement | null) {
  if (typeof ref === "function") ref(value);
  else if (ref) (ref as React.RefObject<HTMLTextAreaElement | null>).current = value;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function textareaAttributes(props: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false || typeof value === "function" || typeof value === "object") continue;
    const name = ATTRIBUTE_NAMES[key] ?? (/^(aria|data)-/.test(key) ? key : key.toLowerCase());
    if (!/^[a-z][a-z0-9-]*$/.test(name)) continue;
    out.push([name, value === true && !/^aria-/.test(name) ? "" : String(value)]);
  }
  return out;
}

/**
 * A multi-line text field that React never writes to while the page hydrates. React sets a server-rendered
 * textarea's value back to its initial text when it hydrates it, so whatever was typed, pasted or dropped
 * before the page's scripts ran would be replaced by the old text. Here the server renders the textarea as
 * HTML that React leaves alone; once mounted, the element is handed to `ref` (react-hook-form's `register`,
 * which keeps a value edited before it was ready) and its input and blur events to `onChange`/`onBlur`.
 * Uncontrolled: set `.value` through the ref to change it from code.
 */
export const Textarea = forwardRef<HTMLTextAreaElement, TextareaProps>(function Textarea({ className, defaultValue = "", onChange, onBlur, autoFocus, ...rest }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const attributes = textareaAttributes({ ...rest, className: cx(FIELD, "font-mono", className) });
  // The HTML is fixed at the first render: a later render must not replace the element (and what it holds).
  const [html] = useState(() => `<textarea ${attributes.map(([k, v]) => (v === "" ? k : `${k}="${escapeHtml(v)}"`)).join(" ")}>\n${escapeHtml(defaultValue)}</textarea>`);
  const handlers = useRef({ onChange, onBlur });
  handlers.current = { onChange, onBlur };
  const element = useRef<HTMLTextAreaElement | null>(null);
  const assigned = useRef<typeof ref | null>(null);

  useLayoutEffect(() => {
    const el = box.current?.firstElementChild;
    if (!(el instanceof HTMLTextAreaElement)) return;
    element.current = el;
    const input = (e: Event) => handlers.current.onChange?.(e as unknown as { target: HTMLTextAreaElement; type: string });
    const blur = (e: Event) => handlers.current.onBlur?.(e as unknown as { target: HTMLTextAreaElement; type: string });
    el.addEventListener("input", input);
    el.addEventListener("blur", blur);
    if (autoFocus) el.focus();
    return () => {
      el.removeEventListener("input", input);
      el.removeEventListener("blur", blur);
      setRef(assigned.current, null);
      assigned.current = null;
      element.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The ref is handed over as React does for an element's callback ref: again whenever it is a new one
  // (react-hook-form's register makes one per render, and registers the field anew after a reset).
  useLayoutEffect(() => {
    if (!element.current || assigned.current === ref) return;
    setRef(assigned.current, null);
    setRef(ref, element.current);
    assigned.current = ref;
  });

  // Attributes that change after the first render (aria-invalid, placeholder…), never the value.
  const key = JSON.stringify(attributes);
  useLayoutEffect(() => {
    const el = box.current?.firstElementChild;
    if (!(el instanceof HTMLTextAreaElement)) return;
    const wanted = new Map(attributes);
    for (const { name } of [...el.attributes]) if (!wanted.has(name)) el.removeAttribute(name);
    for (const [k, v] of wanted) if (el.getAttribute(k) !== v) el.setAttribute(k, v);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return <div ref={box} className="contents" dangerouslySetInnerHTML={{ __html: html }} suppressHydrationWarning />;
});
