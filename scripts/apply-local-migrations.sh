#!/usr/bin/env bash
# Postgres (DATABASE_URL, or the embedded .local/pglite) and the local D1 cache.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node scripts/migrate.mjs --local
