#!/usr/bin/env bash
# Four sweep points run two at a time at one thread each (--jobs 2 --threads-per-run 1) against
# the same four one after the other with both cores each (--jobs 1 --threads-per-run 2): wall
# time of each and their ratio (issue 11's target: parallel at most 0.55 of sequential). Each
# mode runs in a fresh temporary sweep directory, so nothing is skipped as already done.
#
#   scripts/bench-sweep.sh [BUILD_DIR] [key=value ...]   (default build/; extra overrides
#                                                         change the points' size)
# The figure only means something on an otherwise idle machine: the load average before and
# after is printed with it.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
sweep="$build/bin/hitnet-sweep"
[ -x "$sweep" ] || { echo "bench-sweep: $sweep not built (cmake --build $build --target hitnet-sweep hitnet-run)" >&2; exit 1; }
# About 10 s per point on one core of a 2020s laptop.
size=(data.synthetic_tokens=600000 model.hidden=128 model.embedding=128 train.epochs=1 "$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # label, then sweep options
  local label=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$sweep" "$here/configs/tiny_synthetic.yaml" seed=1,2,3,4 "${size[@]}" --out "$work/$label" \
    --status-interval 1000 "$@" > "$work/$label.out" 2>&1 || { cat "$work/$label.out"; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
sequential=$(run sequential --jobs 1 --threads-per-run 2)
parallel=$(run parallel --jobs 2 --threads-per-run 1)
printf '4 points one after the other (--jobs 1 --threads-per-run 2): %6.2f s\n' "$sequential"
printf '4 points two at a time       (--jobs 2 --threads-per-run 1): %6.2f s\n' "$parallel"
printf 'parallel / sequential: %.2f\n' "$(awk -v s="$sequential" -v p="$parallel" 'BEGIN { print p / s }')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
