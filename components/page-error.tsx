"use client";
// What a page that failed to render shows (app/(panel)/error.tsx inside the panel, app/error.tsx outside).
// A render failure changes nothing: what was saved before stays saved, so the text says so and no more.
// "Try again" fetches the page from the server again (router.refresh) and then clears the error
// (reset): reset alone would re-render the failed answer the browser already holds, so it kept failing
// after the database came back.
import { useRouter } from "next/navigation";
import { useTransition } from "react";

export function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [retrying, startTransition] = useTransition();
  return (
    <section role="alert" aria-labelledby="page-error-title" className="mx-auto max-w-lg py-10 text-center">
      <h1 id="page-error-title" className="mb-2 text-2xl font-semibold">
        This page could not be loaded
      </h1>
      <p className="mb-4 text-slate-600">
        The server could not show it, perhaps because its database is restarting. Loading a page changes nothing, and what was saved before is
        still saved. Try again in a moment; if it keeps happening, give an administrator this reference:
      </p>
      {error.digest && <p className="mb-6 font-mono text-sm">{error.digest}</p>}
      <button
        type="button"
        disabled={retrying}
        onClick={() =>
          startTransition(() => {
            router.refresh();
            reset();
          })
        }
        className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60"
      >
        {retrying ? "Trying again…" : "Try again"}
      </button>
    </section>
  );
}
