#!/usr/bin/env bash
# A clone is all a user has: no tracked text file (docs, configs, scripts, sources) may send the
# reader to the directory beside this project (../shared/), which a clone does not include.
# Recorded run outputs (results/**/runs/, logs) are history and not checked.
# usage: check_self_contained.sh SOURCE_DIR
set -euo pipefail
cd "${1:?usage: $0 SOURCE_DIR}"
if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "not a git checkout: nothing to check"
  exit 0
fi
hits=$(git ls-files -z -- ':!results/**/runs/**' ':!*.h5' ':!*.png' ':!*.xz' ':!*.ipynb' |
  xargs -0 grep -n -I -e '\.\./shared' -- 2> /dev/null |
  grep -v '^tests/structure/check_self_contained.sh:' || true)
if [ -n "$hits" ]; then
  echo "tracked files point outside the repository (../shared/):"
  echo "$hits"
  exit 1
fi
echo "no tracked file points at ../shared/"
