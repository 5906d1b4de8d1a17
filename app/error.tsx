"use client";

// Shown for unexpected server errors: no stack trace, just what to do and a reference for the logs.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-lg p-10 text-center">
      <h1 className="mb-2 text-2xl font-semibold">Something went wrong</h1>
      <p className="mb-4 text-slate-600">The panel could not show this page. Nothing was changed. Try again; if it keeps happening, give an administrator this reference:</p>
      {error.digest && <p className="mb-6 font-mono text-sm">{error.digest}</p>}
      <button type="button" onClick={reset} className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white">
        Try again
      </button>
    </main>
  );
}
