// react-hook-form's zodResolver for a schema that is loaded on first use. The schema modules, and zod with
// them, weigh ~30 kB gzipped: too much for every form page's first load. The form still checks its input in
// the browser with the very schema its server action parses with; only the download waits until the user
// starts on the form (`preload`, called when it gets focus) or, at the latest, the first check.
import type { FieldValues, Resolver } from "react-hook-form";
import type { z } from "zod";

export type LazyResolver<V extends FieldValues, T> = Resolver<V, unknown, T> & { preload: () => void };

export function lazyZodResolver<V extends FieldValues, T = V>(load: () => Promise<z.ZodType<T, V>>): LazyResolver<V, T> {
  let ready: Promise<Resolver<V, unknown, T>> | undefined;
  const get = () =>
    (ready ??= Promise.all([load(), import("@hookform/resolvers/zod")]).then(
      ([schema, { zodResolver }]) => zodResolver(schema) as unknown as Resolver<V, unknown, T>,
      (error: unknown) => {
        ready = undefined; // a failed download is tried again at the next check
        throw error;
      },
    ));
  const resolver: Resolver<V, unknown, T> = async (values, context, options) => (await get())(values, context, options);
  return Object.assign(resolver, { preload: () => void get().catch(() => {}) });
}
