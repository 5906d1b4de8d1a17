"use client";
// Forms whose code (and react-hook-form's, 13 kB gzipped) loads at the page's first interaction, not with
// the page. The server renders the form as usual, values included (components/form-fields.ts), and React
// leaves that HTML in place, un-hydrated, behind a Suspense boundary until the code has arrived: the
// first pointerdown, keydown, focus or touch anywhere on the page, or the pointer entering the form,
// starts the download. Whatever the user does to the form meanwhile is kept and handed to it once it
// has hydrated: typed values and choices are written back through the inputs' own events (react-hook-form
// overwrites the DOM with its defaults when it registers a field), clicks on its buttons are repeated and
// a submit, held back meanwhile so that the browser does not send the form natively, is sent again.
// A form mounted after the page has hydrated (client-side navigation) loads at once.
import { Suspense, lazy, useEffect, useLayoutEffect, useRef, type ComponentType, type ReactNode } from "react";

type Held = {
  values: Map<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, string | boolean>;
  clicks: HTMLButtonElement[];
  submit: { form: HTMLFormElement; submitter: HTMLElement | null } | null;
};

const waiting = new Set<() => void>();
/** What was done to each server-rendered form that has not hydrated yet, by its box. */
const held = new WeakMap<Element, Held>();
// Evaluated before hydration when the page itself was rendered on the server with a deferred form; a module
// first loaded by a client-side navigation starts at once.
let started = typeof document === "undefined" || document.documentElement.dataset.hydrated !== undefined;

function start() {
  if (started) return;
  started = true;
  for (const go of waiting) go();
  waiting.clear();
}

function heldFor(target: EventTarget | null): Held | undefined {
  const box = target instanceof Element ? target.closest("[data-deferred]") : null;
  if (!box || box.hasAttribute("data-ready")) return undefined;
  let h = held.get(box);
  if (!h) held.set(box, (h = { values: new Map(), clicks: [], submit: null }));
  return h;
}

// Window, capture phase: these run before React's own listeners on the document, which stop the
// propagation of an event aimed at a boundary that has not hydrated yet.
if (typeof window !== "undefined") {
  const opts = { capture: true, passive: true } as const;
  for (const type of ["pointerdown", "keydown", "focusin", "touchstart"]) window.addEventListener(type, start, opts);
  window.addEventListener("pointerover", (e) => heldFor(e.target) && start(), opts);
  const record = (e: Event) => {
    const h = heldFor(e.target);
    const t = e.target;
    if (!h) return;
    start(); // a change made without focus or pointer (a script, an assistive tool) counts too
    if (t instanceof HTMLInputElement) h.values.set(t, t.type === "checkbox" || t.type === "radio" ? t.checked : t.value);
    else if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) h.values.set(t, t.value);
  };
  window.addEventListener("input", record, opts);
  window.addEventListener("change", record, opts);
  window.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("button") : null;
    const h = heldFor(button);
    if (h && button!.type === "button" && !button!.disabled) h.clicks.push(button!);
  }, opts);
  window.addEventListener("submit", (e) => {
    const h = heldFor(e.target);
    if (!h || !(e.target instanceof HTMLFormElement)) return;
    e.preventDefault();
    h.submit = { form: e.target, submitter: (e as SubmitEvent).submitter };
    start();
  }, { capture: true });
}

function whenStarted(): Promise<void> {
  return started ? Promise.resolve() : new Promise((resolve) => waiting.add(resolve));
}

const nativeValue = (el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string) => {
  // The prototype's setter, not the element's own: React tracks `el.value` to tell a real change from its
  // own writes, and only a value it has not seen makes the input event reach the form.
  const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(el, value);
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
};

/** Hands what was held to the hydrated form: values through their inputs' events, then clicks, then the submit. */
function replay(h: Held) {
  for (const [el, value] of h.values) {
    if (!el.isConnected) continue;
    if (typeof value === "boolean") {
      if ((el as HTMLInputElement).checked !== value) (el as HTMLInputElement).click();
    } else if (el.value !== value) nativeValue(el, value);
  }
  for (const button of h.clicks) if (button.isConnected && !button.disabled) button.click();
  const s = h.submit;
  if (s?.form.isConnected) s.form.requestSubmit(s.submitter instanceof HTMLButtonElement && s.form.contains(s.submitter) ? s.submitter : undefined);
}

function Hydrated({ onHydrated }: { onHydrated: () => void }) {
  useLayoutEffect(onHydrated, [onHydrated]);
  return null;
}

/** `load`'s component, rendered on the server as usual and loaded in the browser at the page's first interaction. */
export function deferred<P extends object>(load: () => Promise<ComponentType<P>>, name: string): ComponentType<P> {
  const Lazy = lazy(() => whenStarted().then(load).then((component) => ({ default: component })));
  function Deferred(props: P): ReactNode {
    const box = useRef<HTMLDivElement>(null);
    useEffect(() => {
      // Mounted in the browser, not hydrated: there is no server HTML to show meanwhile, so load now.
      if (box.current && !box.current.firstChild) start();
    }, []);
    const onHydrated = useRef(() => {
      const el = box.current;
      if (!el) return;
      el.setAttribute("data-ready", "");
      const h = held.get(el);
      held.delete(el);
      // After React's commit, before any other event: the form's fields are registered by now.
      if (h) queueMicrotask(() => replay(h));
    }).current;
    // data-ready is set once the form has hydrated (e2e specs can wait for it; users need not).
    return (
      <div ref={box} className="contents" data-deferred={name}>
        <Suspense fallback={null}>
          <Lazy {...props} />
          <Hydrated onHydrated={onHydrated} />
        </Suspense>
      </div>
    );
  }
  Deferred.displayName = `Deferred(${name})`;
  return Deferred;
}
