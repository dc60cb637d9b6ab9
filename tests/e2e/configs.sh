#!/usr/bin/env bash
# Every shipped config and sweep file resolves with this hitnet: a config (`hitnet-run
# --print-config`), a sweep file (a `base:` key: `hitnet-sweep --dry-run`, which resolves and
# validates every point). A key renamed in the code, or a sweep whose points collide, fails here
# rather than hours into a study.
set -uo pipefail
source "$(dirname "$0")/harness.sh"
while IFS= read -r file; do
  if grep -q '^base:' "$file"; then
    "$bin/hitnet-sweep" "$file" --dry-run --out "$work/sweep" > "$work/out" 2>&1
  else
    "$bin/hitnet-run" "$file" --print-config > "$work/out" 2>&1
  fi
  status=$?
  check "$file resolves" [ $status -eq 0 ]
  [ $status -eq 0 ] || cat "$work/out"
done < <(find configs -name '*.yaml' | sort)
report "shipped configs"
