"use client";
// sonner's <Toaster>, fetched once the page has hydrated (see ./toast.ts): nothing is shown until a user acts.
// A plain effect rather than next/dynamic, whose loader would itself add to every page's first load.
import { useEffect, useState, type ComponentType } from "react";
import type { ToasterProps } from "sonner";
import { markToasterListening } from "./toast";

export function Toaster() {
  const [Sonner, setSonner] = useState<ComponentType<ToasterProps> | null>(null);
  useEffect(() => {
    import("sonner").then(({ Toaster }) => setSonner(() => Toaster), () => {});
  }, []);
  // Effects run after the render that mounted sonner's <Toaster>, and its own subscribing effect ran first.
  useEffect(() => {
    if (Sonner) markToasterListening();
  }, [Sonner]);
  // Bottom right: never over the top bar (phones) or the sidebar (wide screens), whose controls stay reachable.
  return Sonner ? <Sonner richColors position="bottom-right" closeButton /> : null;
}
