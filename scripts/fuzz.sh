#!/usr/bin/env bash
# Fuzzes the core with libFuzzer (clang-14, ASan + UBSan): batch ingest, R2 key
# derivation, replay merge, delta math and page insights. First replays every saved crash in
# tests/fuzz/regressions/<target>/ and the seed corpus, then fuzzes each target
# for SECONDS (default 120). A new crash is copied into regressions/ so it is
# replayed on every later run (npm test runs a short form of this script).
# Then runs the model-based ingest test (tests/worker/ingest-model.test.ts)
# with 8 × SECONDS interleavings.
#   npm run fuzz            # 2 minutes per target, 960 ingest interleavings
#   npm run fuzz -- 600     # 10 minutes per target
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-120}"
TARGETS=(ingest r2key merge delta insights)

cmake --preset fuzz >/dev/null && cmake --build --preset fuzz >/dev/null || { echo "fuzz: build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
for t in "${TARGETS[@]}"; do
  bin="build/fuzz/fuzz_$t"
  work="build/fuzz/corpus-$t"
  crashes="build/fuzz/crashes-$t"
  regress="tests/fuzz/regressions/$t"
  mkdir -p "$work" "$crashes" "$regress"
  ok=1
  # 1. Every saved crash and seed must now pass.
  inputs=$(find "$regress" "tests/fuzz/corpus/$t" -type f 2>/dev/null)
  if [ -n "$inputs" ] && ! "$bin" $inputs >"build/fuzz/replay-$t.log" 2>&1; then
    echo "fuzz: $t fails on a saved input:"; tail -20 "build/fuzz/replay-$t.log"; ok=0
  fi
  # 2. Fuzz for the time box.
  if [ "$ok" = 1 ] && ! "$bin" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" >"build/fuzz/run-$t.log" 2>&1; then
    # The first line says what it was (for the summary of npm test); the rest, where.
    echo "fuzz: $t found a crash: $(grep -m1 -E "SUMMARY|ERROR|ALARM" "build/fuzz/run-$t.log" || tail -1 "build/fuzz/run-$t.log")"
    grep -E "ERROR|SUMMARY|Test unit written|#[0-9]+ 0x" "build/fuzz/run-$t.log" | head -12
    for f in "$crashes"/*; do [ -f "$f" ] && echo "fuzz: $t crash input (base64, first 3000 bytes): $(head -c 3000 "$f" | base64 -w0)"; done
    cp "$crashes"/* "$regress"/ 2>/dev/null
    ok=0
  fi
  runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "build/fuzz/run-$t.log" | grep -oE "[0-9]+$" || echo 0)
  if [ "$ok" = 1 ]; then passed=$((passed + 1)); echo "fuzz: $t ok (${runs:-0} inputs in ${SECONDS_PER_TARGET}s)"; else failed=$((failed + 1)); fi
done
# 3. The model-based ingest test against the real Worker, R2 and PostgreSQL,
#    through many more random interleavings than npm test runs (INGEST_MODEL_RUNS,
#    default 200 there). Skipped by the short form npm test runs (FUZZ_MODEL=0).
if [ "${FUZZ_MODEL:-1}" = 1 ]; then
  runs="${INGEST_MODEL_RUNS:-$((SECONDS_PER_TARGET * 8))}"
  if INGEST_MODEL_RUNS="$runs" INGEST_MODEL_COMMANDS="${INGEST_MODEL_COMMANDS:-30}" \
       node --import tsx --test tests/worker/ingest-model.test.ts >"build/fuzz/run-ingest-model.log" 2>&1; then
    passed=$((passed + 1)); echo "fuzz: ingest model ok ($runs interleavings)"
  else
    failed=$((failed + 1)); echo "fuzz: ingest model failed:"; grep -E "Counterexample|seed|steps:|AssertionError" -A3 "build/fuzz/run-ingest-model.log" | head -40
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
