#!/usr/bin/env bash
# Everything the Worker serves or imports, built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-core.sh
node scripts/build-tracker.mjs
node scripts/build-dashboard.mjs
node scripts/build-info.mjs
# The Worker bundle exactly as `wrangler deploy` would upload it; the
# integration tests run this file in Miniflare.
npx wrangler deploy --dry-run --outdir build/worker >/dev/null
worker_gz=$(gzip -9 -c build/worker/index.js | wc -c)
echo "worker bundle: $(stat -c %s build/worker/index.js) bytes, ${worker_gz} bytes gzip (plus core.wasm)"
