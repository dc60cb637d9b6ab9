# Shared by the end-to-end scripts (sourced after `set -uo pipefail`): the arguments every script
# takes, the check counter and small readers. A script ends with `report`.
#   usage of a script: SCRIPT BIN_DIR SOURCE_DIR WORK_DIR
bin=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$src"
fails=0 passes=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; fails=$((fails + 1)); fi
}
# json FILE KEY[.KEY...]: the value there ('' when missing or null)
json() { /usr/bin/python3 -c "
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'):
    v = v.get(k) if isinstance(v, dict) else None
print('' if v is None else v)" "$@"; }
report() {  # the tally; fails the script when a check failed
  echo "${1:+$1: }$passes passed, $fails failed"
  [ $fails -eq 0 ]
}
