#!/usr/bin/env bash
# Installs what edgereplay needs on a Debian 12 machine with Node 20, skipping
# whatever is already there. Safe to run again and again: npm test, npm start
# and .ci/run all begin with it.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # core.wasm: clang targeting wasm32-wasi with Debian's wasi-libc and libc++
  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32
  # the core's tests: native, sanitizers, and wasm32 through Emscripten under Node
  g++ cmake ninja-build emscripten nlohmann-json3-dev catch2
  # module inspection and optimisation
  wabt binaryen
  # integration tests run a real PostgreSQL; end-to-end tests a real Chromium
  postgresql chromium
  # instruction counts for benchmarks
  valgrind
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Emscripten must not see /usr/include (glibc headers would shadow its own),
# so the header-only libraries are offered through a directory of their own.
mkdir -p build/third_party/include
ln -sfn /usr/include/nlohmann build/third_party/include/nlohmann
ln -sfn /usr/include/catch2 build/third_party/include/catch2
