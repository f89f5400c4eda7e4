#!/usr/bin/env bash
# Everything the Worker serves or imports, built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-core.sh
