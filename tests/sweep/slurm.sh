#!/usr/bin/env bash
# hitnet-sweep --executor slurm against a real single-node Slurm: scripts/slurm/start.sh starts
# a private cluster (munged, slurmctld, slurmd) in the work directory, and
#  1. a small sweep with a deliberately failing point runs through it as one job array, into a
#     directory whose path has a space, followed by --wait through an squeue that fails every
#     other call (retried with back-off, never taken for the end);
#  2. a resubmission submits only the unfinished point; a session that lost the job id (it died
#     between sbatch and index.json) still finds the queued task by the array's job name, so
#     submits nothing twice; a local session leaves that task to Slurm;
#  3. the table is collected, and a submission leaves to it a point that a local run (of a
#     session that died) still holds;
#  4. a hitnet-run that cannot run on the node (a binary built for another CPU) fails the task
#     at once with its message;
#  5. the cluster stops on every exit path, including a SIGKILL of its owner.
# If Slurm cannot start, this test FAILS (it never skips).
source "$(dirname "$0")/lib.sh"
start_cluster

cat > sweep.yaml <<YAML
base: $tiny
overrides: {train.epochs: 1}
grid: {seed: [1, 2, 3]}
points:
  - {seed: 4, data.corpus: files, data.path: /nonexistent, data.train_file: a, data.valid_file: b, data.test_file: c}
YAML
out="s dir"
slurm_args=(--executor slurm --throttle 2 --mem 200M --time 5 --cpus-per-task 1 --poll-interval 0.3
            --status-interval 1)

# An squeue that fails every other call, as a busy or restarting slurmctld makes it do.
mkdir -p flaky
cat > flaky/squeue <<SH
#!/usr/bin/env bash
n=\$(( \$(cat "$work/flaky/count" 2> /dev/null || echo 0) + 1 ))
echo "\$n" > "$work/flaky/count"
if [ \$((n % 2)) = 0 ]; then echo "squeue: error: slurm_load_jobs error: Socket timed out" >&2; exit 1; fi
exec "$(command -v squeue)" "\$@"
SH
chmod +x flaky/squeue

echo "== 1. the sweep as one job array, followed to its end through a flaky squeue"
rc=0; PATH="$work/flaky:$PATH" "$sweep" sweep.yaml --out "$out" "${slurm_args[@]}" --wait > run1.out 2>&1 || rc=$?
cat run1.out
expect_status 1 "$rc" "slurm sweep with a failing point"
[ "$(cat flaky/count)" -ge 4 ] || fail "the flaky squeue was not used"
script=$(ls "$out"/slurm/array-*.sh)
[ "$(echo "$script" | wc -l)" = 1 ] || fail "expected one job array script: $script"
for line in "#SBATCH --array=0-3%2" "#SBATCH --cpus-per-task=1" "#SBATCH --mem=200M" "#SBATCH --time=5" \
            "#SBATCH --signal=B:USR1@120" "#SBATCH --output=\"$work/$out/slurm/%A_%a.out\"" \
            "#SBATCH --chdir=\"$work\""; do
  grep -qxF -- "$line" "$script" || fail "$script lacks '$line'"
done
grep -q "resume=( .* '--threads' '1' )" "$script" || fail "a resumed task would not get --threads"
grep -q "submitted 4 point(s) as job array" run1.out || fail "not one array of 4 tasks"
grep -q "^FAILED point 4 " run1.out || fail "the failing task was not reported"
grep -q "| hitnet-run: data: /nonexistent/a: file not found" run1.out || fail "no log tail for the failing task"
grep -q "slurm task [0-9]*_3) \[FAILED\]\|slurm task [0-9]*_3 \[FAILED\]" run1.out || fail "Slurm's state of the failing task not shown"
! grep -q "lost contact\|interrupted" run1.out || fail "a failed squeue ended --wait"
[ "$(count_finished "$out")" = 3 ] || fail "expected 3 finished points"
ls "$out"/slurm/*_0.out > /dev/null || fail "Slurm's own task output is not in the sweep directory"
mkdir -p snap
for d in "$out"/runs/*/; do
  [ "$(run_status "$d")" = finished ] && cp "$d/summary.json" "snap/$(basename "$d").json"
done

echo "== 2. resubmitting submits only the unfinished point, and never twice"
rc=0; "$sweep" sweep.yaml --out "$out" "${slurm_args[@]}" --sbatch-arg=--hold > run2.out 2>&1 || rc=$?
cat run2.out
expect_status 0 "$rc" "resubmission without --wait"
grep -q "submitted 1 point(s) as job array" run2.out || fail "the resubmission was not 1 task"
job=$(sed -n 's/.*submitted 1 point(s) as job array \([0-9]*\).*/\1/p' run2.out)
# As if the session had died between sbatch and recording the job id.
forget_job_ids() {
  "$py" - "$out/index.json" <<'PY'
import json, sys
index = json.load(open(sys.argv[1]))
for p in index["points"]:
    p["slurm_job"] = ""
json.dump(index, open(sys.argv[1], "w"))
PY
}
forget_job_ids
rc=0; "$sweep" sweep.yaml --out "$out" "${slurm_args[@]}" > run3.out 2>&1 || rc=$?
cat run3.out
grep -q "nothing to submit" run3.out || fail "a point still queued in Slurm was submitted again"
grep -q "in slurm ${job}_0" run3.out || fail "the queued point is not shown as in Slurm"
forget_job_ids
"$sweep" sweep.yaml --out "$out" --dry-run > dry.out
grep -q "in slurm ${job}_0" dry.out || fail "--dry-run does not ask Slurm: $(cat dry.out)"
# A local session on the same sweep leaves the point to Slurm.
rc=0; "$sweep" sweep.yaml --out "$out" --jobs 1 --threads-per-run 1 > local.out 2>&1 || rc=$?
cat local.out
expect_status 1 "$rc" "local session with a point in Slurm"
grep -q "1 in Slurm (left to it)" local.out || fail "the local session did not see the point in Slurm"
! grep -q "^start  point 4" local.out || fail "the local session started a point queued in Slurm"
scontrol release "$job"
rc=0; "$sweep" sweep.yaml --out "$out" "${slurm_args[@]}" --wait > run4.out 2>&1 || rc=$?
cat run4.out
expect_status 1 "$rc" "following the resubmitted array"
grep -q "^FAILED point 4 " run4.out || fail "the resubmitted failing task was not reported"
[ "$(ls "$out"/slurm/array-*.sh | wc -l)" = 2 ] || fail "expected two array scripts in total"
for f in snap/*.json; do
  cmp -s "$f" "$out/runs/$(basename "$f" .json)/summary.json" || fail "finished point $f was rerun"
done

echo "== 3. the collected table"
"$sweep" --collect "$out" > /dev/null
"$py" - "$out/results.csv" <<'PY' || fail "results.csv has the wrong contents"
import sys
import pandas as pd
t = pd.read_csv(sys.argv[1])
print(t[["seed", "status", "test_ppl", "exit_code"]])
assert list(t["seed"]) == [1, 2, 3, 4]
assert list(t["status"]) == ["finished"] * 3 + ["failed"]
assert t["test_ppl"][:3].between(1.0, 60.0).all() and pd.isna(t["test_ppl"][3])
assert t["exit_code"][3] == 1
PY

echo "== 3b. a submission leaves to it a point that a local run holds"
# A local session starts two slow points and dies (SIGKILL): the run it started goes on under
# its run lock. A Slurm submission of the same sweep submits only the other point.
# Points of tens of seconds: the local run must outlast the submission.
slow=(data.synthetic_tokens=2000000 train.epochs=2 model.hidden=48)
setsid "$sweep" "$tiny" seed=11,12 "${slow[@]}" --out live --jobs 1 --threads-per-run 1 \
  > live-local.out 2>&1 &
pid=$!
wait_for_live live 30
kill -KILL "$pid"
wait "$pid" 2> /dev/null || true
rc=0; "$sweep" "$tiny" seed=11,12 "${slow[@]}" --out live "${slurm_args[@]}" --sbatch-arg=--hold \
  > live-slurm.out 2>&1 || rc=$?
cat live-slurm.out
expect_status 0 "$rc" "submission beside a live local run"
grep -q "not submitted: point 1 .* is running already" live-slurm.out ||
  fail "a point a local run holds was submitted to Slurm"
grep -q "submitted 1 point(s) as job array" live-slurm.out || fail "the other point was not submitted"
live_job=$(sed -n 's/.*submitted 1 point(s) as job array \([0-9]*\).*/\1/p' live-slurm.out)
scancel "$live_job"
for d in $(live_runs live); do kill -TERM "$(cat "$d/.lock")" 2> /dev/null || true; done
for _ in $(seq 1 300); do [ -z "$(live_runs live)" ] && break; sleep 0.1; done
[ -z "$(live_runs live)" ] || fail "the local run did not stop"

echo "== 4. a hitnet-run built for another CPU fails its task at once, saying why"
cat > wrong-cpu-run.sh <<SH
#!/usr/bin/env bash
# What a -march=native binary says on a node without the instruction sets it was built for.
echo "hitnet-run: this binary was built for a CPU with avx512f (-march=native, HITNET_NATIVE=ON), which the CPU of \$(hostname) lacks: it would stop with an illegal instruction." >&2
echo "  Build one that runs on every x86-64 machine: cmake -S . -B build -DHITNET_NATIVE=OFF && cmake --build build" >&2
[ "\$1" = --version ] && exit 1
touch "$work/trained-anyway"
exit 1
SH
chmod +x wrong-cpu-run.sh
rc=0; "$sweep" "$tiny" seed=9 --out cpu "${slurm_args[@]}" --hitnet-run "$work/wrong-cpu-run.sh" --wait > cpu.out 2>&1 || rc=$?
cat cpu.out
expect_status 1 "$rc" "a task whose hitnet-run cannot run on the node"
grep -q "| hitnet-run: this binary was built for a CPU with avx512f" cpu.out || fail "the CPU message is not reported"
grep -q "cannot run on this node" cpu.out || fail "the task did not stop at the check"
[ ! -e trained-anyway ] || fail "the task ran hitnet-run after the failed check"

echo "== 5. the cluster stops"
pids="$(cat "$cluster"/*.daemon-pid) $(cat "$cluster/munge/munged.pid")"
stop_cluster
trap - EXIT
for pid in $pids; do
  ! kill -0 "$pid" 2> /dev/null || fail "daemon $pid still running after stop.sh"
done
rm -rf "$cluster"
# Its owner killed with SIGKILL (no trap runs): the watchdog stops it.
sleep 600 &
owner=$!
bash "$src/scripts/slurm/start.sh" "$work/cluster2" --owner "$owner" || fail "could not start the second cluster"
pids="$(cat "$work/cluster2"/*.daemon-pid) $(cat "$work/cluster2/munge/munged.pid")"
kill -KILL "$owner"
for _ in $(seq 1 200); do
  alive=0
  for pid in $pids; do kill -0 "$pid" 2> /dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
[ "$alive" = 0 ] || fail "the cluster outlived its SIGKILLed owner"
rm -rf "$work/cluster2"
echo "PASS"
