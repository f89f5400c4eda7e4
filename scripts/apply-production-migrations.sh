#!/usr/bin/env bash
# Postgres at DATABASE_URL (Neon, direct connection) and the remote D1 database.
# Run before `npm run deploy` when migrations changed; each set records what it applied.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the production Postgres connection string}"
exec node scripts/migrate.mjs --production
