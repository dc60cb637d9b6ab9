#!/usr/bin/env bash
# The README's two quick-start commands:
#   scripts/quickstart.sh run    install what is missing, build, train the quick-start config
#   scripts/quickstart.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
case "$what" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

bash scripts/bootstrap.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"

if [ "$what" = run ]; then
  exec build/bin/hitnet-run configs/quickstart.yaml --out results/runs/quickstart --force
else
  # One Catch2 test case per CTest test; Python analysis tests and the sweep/Slurm end-to-end
  # tests are CTest tests too. --output-on-failure shows what failed.
  exec ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900
fi
