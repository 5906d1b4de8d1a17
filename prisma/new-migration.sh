#!/usr/bin/env bash
# Make the next SQL migration for both databases from the change in their schema.prisma files.
#   bash prisma/new-migration.sh add_templates
# Needs the local PostgreSQL (the JS engine connects to it and changes nothing there) and the npm registry.
# Prisma 7's migrate commands need a native engine that cannot be downloaded on offline machines;
# Prisma 6.19's `migrate diff` runs on its JS engine, so this script diffs the committed schema (git HEAD)
# with the working copy with it, in a scratch folder. On a machine with internet `prisma migrate dev`
# produces the same files. Apply with `npm run db:migrate`; lib/db/migrations.test.ts proves the result.
set -euo pipefail
name=${1:?usage: new-migration.sh <snake_case_name>}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stamp=$(date -u +%Y%m%d%H%M%S)
(cd "$work" && echo '{"private":true}' > package.json &&
  npm install --silent --no-fund --no-audit prisma@6.19 @prisma/adapter-pg@6.19 @prisma/adapter-better-sqlite3@6.19 pg >/dev/null 2>&1)
for db in postgres sqlite; do
  if [ "$db" = postgres ]; then
    url=postgresql://postgres@127.0.0.1:5432/postgres
    adapter='import { PrismaPg } from "@prisma/adapter-pg"; const adapter = async () => new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:5432/postgres" });'
  else
    url=file:$work/unused.db
    adapter='import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3"; const adapter = async () => new PrismaBetterSQLite3({ url: "file:'$work'/unused.db" });'
  fi
  printf '%s\nimport { defineConfig } from "prisma/config";\nexport default defineConfig({ experimental: { adapter: true }, engine: "js", adapter });\n' "$adapter" > "$work/$db.config.ts"
  addurl() { sed 's#^\(  provider = "\(postgresql\|sqlite\)"\)#\1\n  url = env("DATABASE_URL")#'; }
  if git -C "$root" cat-file -e "HEAD:prisma/$db/schema.prisma" 2>/dev/null; then
    git -C "$root" show "HEAD:prisma/$db/schema.prisma" | addurl > "$work/$db-old.prisma"; from=(--from-schema-datamodel "$work/$db-old.prisma")
  else
    from=(--from-empty)
  fi
  addurl < "$root/prisma/$db/schema.prisma" > "$work/$db-new.prisma"
  out="$root/prisma/$db/migrations/${stamp}_$name"
  mkdir -p "$out"
  (cd "$work" && DATABASE_URL=$url PRISMA_QUERY_ENGINE_LIBRARY=/bin/false PRISMA_SCHEMA_ENGINE_BINARY=/bin/false \
    npx prisma migrate diff --config "$db.config.ts" "${from[@]}" --to-schema-datamodel "$db-new.prisma" --script) > "$out/migration.sql"
  echo "wrote $out/migration.sql"
done
