# Shared by the sweep end-to-end tests: arguments, a fresh work directory, assertions.
set -euo pipefail
bin=${1:?usage: $0 BIN_DIR SOURCE_DIR WORK_DIR}
src=${2:?}
work=${3:?}
py=/usr/bin/python3  # Debian's, with pandas
bin=$(cd "$bin" && pwd)
src=$(cd "$src" && pwd)
sweep="$bin/hitnet-sweep"
tiny="$src/configs/tiny_synthetic.yaml"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_status() {  # expected actual what
  [ "$1" = "$2" ] || fail "$3: exit status $2, expected $1"
}
# Status of a run directory's summary.json ("" when none).
run_status() {
  sed -n 's/^ *"status": "\([a-z]*\)".*/\1/p' "$1/summary.json" 2>/dev/null || true
}
count_finished() {  # sweep dir
  local n=0
  for d in "$1"/runs/*/; do [ "$(run_status "$d")" = finished ] && n=$((n + 1)); done
  echo "$n"
}
wait_for_finished() {  # sweep dir, count, timeout seconds
  for _ in $(seq 1 $(($3 * 10))); do
    [ "$(count_finished "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $2 finished point(s) in $1"
}
