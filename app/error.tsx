"use client";
// A page outside the panel (sign-in) or the panel's own layout failed to render. Panel pages have their
// own boundary inside the layout (app/(panel)/error.tsx).
import { PageError } from "@/components/page-error";

export default function ErrorPage(props: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="p-4">
      <PageError {...props} />
    </main>
  );
}
