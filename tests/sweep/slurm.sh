#!/usr/bin/env bash
# hitnet-sweep --executor slurm against a real single-node Slurm: scripts/slurm/start.sh starts
# a private cluster (munged, slurmctld, slurmd) in the work directory, a small sweep with a
# deliberately failing point runs through it as one job array, a resubmission submits only the
# unfinished point and never one still queued, and the table is collected. The cluster is
# stopped on every exit path. If Slurm cannot start, this test FAILS (it never skips).
source "$(dirname "$0")/lib.sh"

cluster="$work/cluster"
stop_cluster() { bash "$src/scripts/slurm/stop.sh" "$cluster" || true; }
trap stop_cluster EXIT
# Ports of its own, so a cluster someone else started on this machine cannot clash.
port=$((7900 + ($$ % 40) * 2))
bash "$src/scripts/slurm/start.sh" "$cluster" "$port" || fail "could not start the private Slurm cluster"
source "$cluster/env"

cat > sweep.yaml <<YAML
base: $tiny
overrides: {train.epochs: 1}
grid: {seed: [1, 2, 3]}
points:
  - {seed: 4, data.corpus: files, data.path: /nonexistent, data.train_file: a, data.valid_file: b, data.test_file: c}
YAML
slurm_args=(--executor slurm --throttle 2 --mem 200M --time 5 --cpus-per-task 1 --poll-interval 0.3
            --status-interval 1)

echo "== 1. the sweep as one job array, followed to its end"
rc=0; "$sweep" sweep.yaml --out s "${slurm_args[@]}" --wait > run1.out 2>&1 || rc=$?
cat run1.out
expect_status 1 "$rc" "slurm sweep with a failing point"
script=$(ls s/slurm/array-*.sh)
[ "$(echo "$script" | wc -l)" = 1 ] || fail "expected one job array script: $script"
for line in "#SBATCH --array=0-3%2" "#SBATCH --cpus-per-task=1" "#SBATCH --mem=200M" "#SBATCH --time=5"; do
  grep -qx -- "$line" "$script" || fail "$script lacks '$line'"
done
grep -q "submitted 4 point(s) as job array" run1.out || fail "not one array of 4 tasks"
grep -q "^FAILED point 4 " run1.out || fail "the failing task was not reported"
grep -q "| hitnet-run: data: /nonexistent/a: file not found" run1.out || fail "no log tail for the failing task"
grep -q "slurm task [0-9]*_3 \[FAILED\]" run1.out || fail "Slurm's state of the failing task not shown"
[ "$(count_finished s)" = 3 ] || fail "expected 3 finished points"
mkdir -p snap
for d in s/runs/*/; do
  [ "$(run_status "$d")" = finished ] && cp "$d/summary.json" "snap/$(basename "$d").json"
done

echo "== 2. resubmitting submits only the unfinished point, and not twice while it is queued"
rc=0; "$sweep" sweep.yaml --out s "${slurm_args[@]}" --sbatch-arg=--hold > run2.out 2>&1 || rc=$?
cat run2.out
expect_status 0 "$rc" "resubmission without --wait"
grep -q "submitted 1 point(s) as job array" run2.out || fail "the resubmission was not 1 task"
job=$(sed -n 's/.*submitted 1 point(s) as job array \([0-9]*\).*/\1/p' run2.out)
rc=0; "$sweep" sweep.yaml --out s "${slurm_args[@]}" > run3.out 2>&1 || rc=$?
cat run3.out
grep -q "nothing to submit" run3.out || fail "a point still queued in Slurm was submitted again"
grep -q "in slurm ${job}_0" run3.out || fail "the queued point is not shown as in Slurm"
scontrol release "$job"
rc=0; "$sweep" sweep.yaml --out s "${slurm_args[@]}" --wait > run4.out 2>&1 || rc=$?
cat run4.out
expect_status 1 "$rc" "following the resubmitted array"
grep -q "^FAILED point 4 " run4.out || fail "the resubmitted failing task was not reported"
[ "$(ls s/slurm/array-*.sh | wc -l)" = 2 ] || fail "expected two array scripts in total"
for f in snap/*.json; do
  cmp -s "$f" "s/runs/$(basename "$f" .json)/summary.json" || fail "finished point $f was rerun"
done

echo "== 3. the collected table"
"$sweep" --collect s > /dev/null
"$py" - s/results.csv <<'PY' || fail "results.csv has the wrong contents"
import sys
import pandas as pd
t = pd.read_csv(sys.argv[1])
print(t[["seed", "status", "test_ppl", "exit_code"]])
assert list(t["seed"]) == [1, 2, 3, 4]
assert list(t["status"]) == ["finished"] * 3 + ["failed"]
assert t["test_ppl"][:3].between(1.0, 60.0).all() and pd.isna(t["test_ppl"][3])
assert t["exit_code"][3] == 1
PY

echo "== 4. the cluster stops"
pids="$(cat "$cluster"/*.daemon-pid) $(cat "$cluster/munge/munged.pid")"
stop_cluster
trap - EXIT
for pid in $pids; do
  ! kill -0 "$pid" 2> /dev/null || fail "daemon $pid still running after stop.sh"
done
rm -rf "$cluster"
echo "PASS"
