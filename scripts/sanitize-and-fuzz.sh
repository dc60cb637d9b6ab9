#!/usr/bin/env bash
# CI's hardening pass (.ci/run calls it after the normal test suite):
#  1. the unit tests (Catch2 and the fuzz regression replays, `ctest -L unit`) built with clang
#     under AddressSanitizer and UndefinedBehaviorSanitizer (-O1 -g, stop at the first report)
#     in their own build directory;
#  2. each libFuzzer target (tests/fuzz/) for a bounded time from its seeds and regressions.
# A crash is a failure: the input is kept under the build directory; copy it into
# tests/fuzz/regressions/<target>/ (the normal build replays it from then on) and fix the bug.
# usage: scripts/sanitize-and-fuzz.sh [SECONDS_PER_FUZZ_TARGET]   (default 25)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
build=build-sanitize
targets=(config_loader override_parser corpus_reader checkpoint_reader)

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHITNET_SANITIZE=ON -DHITNET_FUZZ=ON
build_targets=(hitnet-tests)
for t in "${targets[@]}"; do build_targets+=("fuzz-$t" "fuzz-replay-$t"); done
cmake --build "$build" -j "$(nproc)" --target "${build_targets[@]}"

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir "$build" -L unit --output-on-failure -j "$(nproc)" --timeout 900

for t in "${targets[@]}"; do
  work=$build/fuzz-work/$t
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/crashes"
  seeds=(tests/fuzz/corpus/$t tests/fuzz/regressions/$t)
  [ "$t" = config_loader ] && seeds+=(configs)
  echo "fuzzing $t for ${seconds}s"
  if ! "$build/bin/fuzz-$t" -seed=1 -max_total_time="$seconds" -timeout=10 \
      -artifact_prefix="$work/crashes/" -print_final_stats=1 \
      "$work/corpus" "${seeds[@]}" > "$work/log.txt" 2>&1; then
    tail -n 60 "$work/log.txt"
    echo "FAIL: fuzz-$t found a crash: $(ls "$work/crashes")" \
         "(in $work/crashes; keep it in tests/fuzz/regressions/$t/ and fix it)"
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$work/log.txt" || true
done
echo "fuzz: ${#targets[@]} passed, 0 failed"
