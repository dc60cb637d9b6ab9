#!/usr/bin/env bash
# A Slurm time limit on the real single-node cluster: a point that needs longer than its
# 1-minute --time is signalled ahead of the limit (--signal=B:USR1@30 here), checkpoints and is
# reported interrupted -- resumable, never FAILED; the next submission resumes it; and with
# requeueing on, a task stopped at its limit after progress is requeued by its own script and
# resumes from its checkpoint. (Runs about two minutes: two 30-second slots and their starts.)
source "$(dirname "$0")/lib.sh"
start_cluster

# 1000 tiny epochs: minutes of work, a checkpoint at every epoch (a fraction of a second each).
long=("$tiny" train.epochs=1000 --out tl --executor slurm --cpus-per-task 1 --time 1
      --signal-lead 30 --poll-interval 0.5 --status-interval 5)
# `|| true`: grep -q stops reading at its first match, and once the log is larger than a pipe's
# buffer (64 KiB: a few hundred fast epochs) cat then dies of SIGPIPE, which pipefail would report.
log() { cat tl/runs/*/output.log || true; }

echo "== 1. the first slot ends at the time limit: checkpointed, interrupted, resumable"
start=$(date +%s)
rc=0; "$sweep" "${long[@]}" --no-requeue --wait > run1.out 2>&1 || rc=$?
cat run1.out
expect_status 1 "$rc" "a sweep whose point was stopped at its time limit"
[ $(($(date +%s) - start)) -lt 58 ] || fail "the task was not stopped ahead of its 60 s limit"
grep -q "^stopped point 1/1 .*checkpointed, resumable" run1.out || fail "the stop was not reported as resumable"
! grep -q "FAILED" run1.out || fail "a task stopped at its time limit was reported FAILED"
log | grep -q "SIGUSR1 from Slurm (time limit near)" || fail "the task script did not see Slurm's signal"
log | grep -q "^interrupted: checkpoint written" || fail "hitnet-run did not checkpoint"
"$py" - tl/index.json <<'PY' || fail "index.json does not say interrupted"
import json, sys
p = json.load(open(sys.argv[1]))["points"][0]
assert p["status"] == "interrupted" and p["exit_code"] == 130, p
PY
"$sweep" --collect tl > /dev/null
grep -q "^interrupted," tl/results.csv || fail "results.csv does not say interrupted"

echo "== 2. resubmitted: it resumes, is stopped at its limit again, and requeues itself"
"$sweep" "${long[@]}" --wait > run2.out 2>&1 &
pid=$!
for _ in $(seq 1 900); do
  grep -q "^requeued point 1/1" run2.out && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
cat run2.out
grep -q "^requeued point 1/1" run2.out || fail "the task was not requeued after its time limit"
log | grep -q "attempt 1: .*--resume" || fail "the resubmitted task did not resume"
log | grep -q "^resumed at epoch" || fail "hitnet-run did not resume from the checkpoint"
log | grep -q "requeued, it resumes from the checkpoint" || fail "the task script did not requeue"
# Slurm holds a requeued task back until its revoked credential expires (cred_expire=10 s on the
# test cluster, see scripts/slurm/start.sh); it then starts again on its own.
job=$(squeue -h -o %i --name "$(sed -n 's/^#SBATCH --job-name="\(.*\)"$/\1/p' tl/slurm/array-*.sh | tail -1)" | head -1)
[ -n "$job" ] || fail "the requeued task is not in the queue"
for _ in $(seq 1 900); do
  log | grep -q "attempt 2: .*--resume" && break
  sleep 0.1
done
log | grep -q "attempt 2: .*--resume" || fail "the requeued task did not start again with --resume"
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
expect_status 130 "$rc" "following the requeued task, interrupted"
# A cancelled task is stopped the same clean way, but it is no time limit: it stays cancelled.
scancel "$job"
for _ in $(seq 1 300); do
  [ -z "$(squeue -h -r -j "${job%_*}")" ] && break
  sleep 0.1
done
[ -z "$(squeue -h -r -j "${job%_*}")" ] || fail "a cancelled task requeued itself: $(squeue -r -j "${job%_*}")"
# What the second attempt logged (hitnet-run may still print its resume and a progress line
# after the script's SIGTERM line when the signal comes while it starts, as on a loaded machine).
attempt2() { log | sed -n '/attempt 2: /,$p'; }
attempt2 | grep -q "SIGTERM: hitnet-run checkpoints and stops" || fail "scancel's SIGTERM was not passed on"
attempt2 | grep -q "^interrupted: checkpoint written" || fail "the cancelled run did not checkpoint"
! attempt2 | grep -q "requeued" || fail "a cancelled task requeued itself"
echo "PASS"
