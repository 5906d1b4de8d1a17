// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native drivers are loaded by Node at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "pg", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "bcryptjs"],
  poweredByHeader: false,
  typedRoutes: false,
};

module.exports = nextConfig;
