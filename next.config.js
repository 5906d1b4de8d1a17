// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native drivers are loaded by Node at run time, not bundled; so is pino (its optional worker-thread
  // transports, which we do not use, are files it resolves at run time that a bundle would not hold).
  serverExternalPackages: ["better-sqlite3", "pg", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "bcryptjs", "pino"],
  poweredByHeader: false,
  // `next dev` serves its scripts and HMR only to localhost by default: opened as 127.0.0.1 the panel
  // would render but never hydrate (no form would work). Development only.
  allowedDevOrigins: ["127.0.0.1"],
  typedRoutes: false,
  // forbidden() and app/(panel)/forbidden.tsx: a page a role may not open answers 403 with one refusal panel
  // (lib/auth/page-access.ts). Experimental in Next 16, hence the flag.
  experimental: { authInterrupts: true },
  // proxy.ts sets the security headers of pages and route handlers, but its matcher skips static files
  // (/_next/static, images): these two must reach every response, so they are set here as well. Computed
  // at build time: `next build` always runs with NODE_ENV=production, `next dev` never sends HSTS.
  async headers() {
    const headers = [{ key: "X-Content-Type-Options", value: "nosniff" }];
    if (process.env.NODE_ENV === "production") headers.push({ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" });
    return [{ source: "/:path*", headers }];
  },
};

module.exports = nextConfig;
