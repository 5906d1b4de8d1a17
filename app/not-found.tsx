import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-10 text-center">
      <h1 className="mb-2 text-2xl font-semibold">Not found</h1>
      <p className="mb-6 text-slate-600">This page does not exist, or what it showed was deleted.</p>
      <Link href="/" className="text-blue-700 hover:underline">Back to the dashboard</Link>
    </main>
  );
}
