import type { Metadata } from "next";
import { Toaster } from "@/components/toaster";
import { HydrationMarker } from "@/components/hydration-marker";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Palisade", template: "%s · Palisade" },
  description: "Control plane of a ModSecurity / OWASP CRS web application firewall",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        {children}
        <Toaster />
        <HydrationMarker />
      </body>
    </html>
  );
}
