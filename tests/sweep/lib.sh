# Shared by the sweep end-to-end tests: arguments, a fresh work directory, assertions.
set -euo pipefail
bin=${1:?usage: $0 BIN_DIR SOURCE_DIR WORK_DIR}
src=${2:?}
work=${3:?}
py=/usr/bin/python3  # Debian's, with pandas
# Passive OpenMP waiting: a run with 2 threads on a machine whose cores are busy would otherwise
# spin against the other processes (as in the unit tests' CTest environment).
export OMP_WAIT_POLICY=PASSIVE
bin=$(cd "$bin" && pwd)
src=$(cd "$src" && pwd)
sweep="$bin/hitnet-sweep"
tiny="$src/configs/tiny_synthetic.yaml"
# A private cluster left by an earlier run of a test (killed before it could stop it) is
# stopped before its directory goes: its daemons could not be found any more afterwards.
[ -f "$work/cluster/slurm.conf" ] && bash "$src/scripts/slurm/stop.sh" "$work/cluster"
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
# Run directories of a sweep whose lock a process holds now (a live hitnet-run).
live_runs() {  # sweep dir
  for d in "$1"/runs/*/; do
    [ -e "$d/.lock" ] && ! flock -n -s "$d/.lock" true && echo "${d%/}"
  done
  return 0
}
wait_for_live() {  # sweep dir, timeout seconds
  for _ in $(seq 1 $(($2 * 10))); do
    [ -n "$(live_runs "$1")" ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for a running point in $1"
}
# Starts a private Slurm cluster in $work/cluster that stops when this test ends, however it
# ends: the EXIT trap, or start.sh's watchdog when the test is killed past its trap (SIGKILL
# from a CTest timeout). Ports: the first free pair.
cluster="$work/cluster"
stop_cluster() { bash "$src/scripts/slurm/stop.sh" "$cluster" || true; }
start_cluster() {
  trap stop_cluster EXIT
  bash "$src/scripts/slurm/start.sh" "$cluster" --owner $$ || fail "could not start the private Slurm cluster"
  source "$cluster/env"
}
