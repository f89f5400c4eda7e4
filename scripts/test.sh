#!/usr/bin/env bash
# npm test: set up what is missing, build, then run every suite (scripts/run-tests.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/run-tests.mjs "$@"
