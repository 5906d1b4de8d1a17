// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native drivers are loaded by Node at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "pg", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "bcryptjs"],
  poweredByHeader: false,
  // `next dev` serves its scripts and HMR only to localhost by default: opened as 127.0.0.1 the panel
  // would render but never hydrate (no form would work). Development only.
  allowedDevOrigins: ["127.0.0.1"],
  typedRoutes: false,
};

module.exports = nextConfig;
