# The panel built for production. docker-compose.yml runs it against PostgreSQL 16; on start it applies
# pending migrations (lib/db/migrate.ts) and creates the first admin from PALISADE_ADMIN_* if none exists.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 (the SQLite driver) compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000
CMD ["sh", "-c", "npm run db:bootstrap && exec npx next start -p 3000 -H 0.0.0.0"]
