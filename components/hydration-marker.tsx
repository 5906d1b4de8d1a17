"use client";

import { useEffect } from "react";

/**
 * Sets `data-hydrated` on <html> once React has hydrated the page. From then on React handles every
 * click and change, so the e2e specs wait for it (e2e/fixtures.ts `hydrated`) before they use a
 * server-rendered form, which would otherwise submit natively or miss its onChange.
 */
export function HydrationMarker() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
