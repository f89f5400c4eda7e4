#!/usr/bin/env bash
# Builds core.wasm (wasm32-wasi reactor), optimises it with wasm-opt and puts
# it where the Worker imports it from: js-shim/generated/core.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset wasi >/dev/null
cmake --build --preset wasi >/dev/null
mkdir -p js-shim/generated
# -O3 measured faster than -Oz on ingest and merge for a few KB more; see bench/.
wasm-opt -O3 --strip-debug --strip-producers build/wasi/core.wasm -o js-shim/generated/core.wasm
bytes=$(stat -c %s js-shim/generated/core.wasm)
gz=$(gzip -9 -c js-shim/generated/core.wasm | wc -c)
echo "core.wasm: ${bytes} bytes, ${gz} bytes gzip"
