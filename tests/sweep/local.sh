#!/usr/bin/env bash
# hitnet-sweep's local executor with the real hitnet-run:
#  1. a sweep killed mid-way (Ctrl-C, then SIGKILL) resumes: no finished point reruns, the
#     interrupted one continues from its checkpoint with the thread count of the session that
#     resumes it, the run a SIGKILLed sweep had going finishes on its own and the next session
#     follows it, all points end finished with their exit codes, and a rerun of a finished sweep
#     does no work and removes the temporaries killed writers left; a hang-up of the sweep's
#     terminal stops neither the sweep nor its runs;
#  2. a deliberately failing point is reported at once with its log tail, the others finish,
#     the exit status is 1, --fail-fast stops the rest;
#  3. the collected table (CSV and Markdown) has the varied keys, status and metrics, and
#     pandas reads it in one line;
#  4. a diverging point is reported, exit status 3, and not rerun;
#  5. a bad value fails the sweep up front, naming point and key, and runs nothing.
source "$(dirname "$0")/lib.sh"

# Points of a couple of seconds each, so that a kill lands mid-way.
slow=(data.synthetic_tokens=200000 train.epochs=2 model.hidden=48)
# One thread per run everywhere: on a machine whose cores are busy, a 2-thread run waits at
# every barrier for a descheduled thread and takes many times longer.
args=("$tiny" seed=1,2,3,4 "${slow[@]}" --out resume --jobs 1 --threads-per-run 1 --status-interval 1)

echo "== 1a. Ctrl-C after the first point finished"
"$sweep" "${args[@]}" > run1.out 2>&1 &
pid=$!
wait_for_finished resume 1 60
wait_for_live resume 30
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
cat run1.out
expect_status 130 "$rc" "interrupted sweep"
done1=$(count_finished resume)
[ "$done1" -lt 4 ] || fail "the sweep finished before it could be interrupted"
grep -q "checkpointed, resumable" run1.out || fail "the running point was not stopped cleanly"
mkdir -p snap1
for d in resume/runs/*/; do
  [ "$(run_status "$d")" = finished ] && cp "$d/summary.json" "snap1/$(basename "$d").json"
done

echo "== 1b. resumed, then SIGKILL while a point runs"
"$sweep" "${args[@]}" > run2.out 2>&1 &
pid=$!
wait_for_finished resume $((done1 + 1)) 60
wait_for_live resume 30
kill -KILL "$pid"
wait "$pid" || true
cat run2.out
grep -q "resume point" run2.out || fail "the interrupted point did not resume from its checkpoint"
# The resumed point runs with this session's thread budget (tests/unit: with another count).
grep -q "^# hitnet-sweep: .*'--resume' '[^']*' '--threads' '1'" resume/runs/*/output.log ||
  fail "the resumed point was not given --threads: $(grep -h '^# hitnet-sweep' resume/runs/*/output.log)"
for f in snap1/*.json; do
  cmp -s "$f" "resume/runs/$(basename "$f" .json)/summary.json" || fail "finished point $f was rerun"
done
# A lost parent does not kill its run: it goes on writing its log (no SIGPIPE, no SIGTERM).
orphan=$(live_runs resume)
[ -n "$orphan" ] || fail "no run was going when the sweep was killed"
lines=$(wc -l < "$orphan/output.log")
# Up to 30 s for a new line: on a loaded machine a run can take seconds per progress line.
for _ in $(seq 30); do
  sleep 1
  [ "$(wc -l < "$orphan/output.log")" -gt "$lines" ] && break
done
[ -n "$(live_runs resume)" ] || [ "$(run_status "$orphan")" = finished ] ||
  fail "the run of the killed sweep died with it: $(tail -3 "$orphan/output.log")"
[ "$(wc -l < "$orphan/output.log")" -gt "$lines" ] || [ "$(run_status "$orphan")" = finished ] ||
  fail "the run of the killed sweep stopped writing its log"
! grep -q "interrupted" "$orphan/output.log" || fail "the run of the killed sweep was interrupted"
mkdir -p snap2
for d in resume/runs/*/; do
  [ "$(run_status "$d")" = finished ] && cp "$d/summary.json" "snap2/$(basename "$d").json"
done

echo "== 1c. resumed to the end, following the run the killed sweep left"
live_before=$(live_runs resume)
rc=0; "$sweep" "${args[@]}" > run3.out 2>&1 || rc=$?
cat run3.out
expect_status 0 "$rc" "resumed sweep"
# The orphan was live a moment before the new session planned: followed, or, when it finished in
# between (a loaded machine), counted done; never started or resumed a second time.
if [ -n "$live_before" ] && ! grep -q "^follow point" run3.out; then
  ! grep -q "^\(start \|resume\) point .* $(basename "$live_before")" run3.out ||
    fail "the new session did not follow the live run: it ran its point again"
fi
[ "$(count_finished resume)" = 4 ] || fail "not all points finished"
grep -q "^results: " "$orphan/log.txt" || fail "the orphaned run's log.txt does not end with its results"
for f in snap2/*.json; do
  cmp -s "$f" "resume/runs/$(basename "$f" .json)/summary.json" || fail "finished point $f was rerun"
done
[ "$(ls resume/runs | wc -l)" = 4 ] || fail "expected 4 run directories: $(ls resume/runs)"
"$py" - resume/results.csv <<'PY' || fail "results.csv lacks exit codes of points that ended unwatched"
import sys
import pandas as pd
t = pd.read_csv(sys.argv[1])
assert (t["status"] == "finished").all() and (t["exit_code"] == 0).all(), t[["status", "exit_code"]]
PY

echo "== 1d. a finished sweep does no work, and clears what killed writers left"
# Temporaries of a writer that died before its rename (a pid that has exited) go; one of a
# writer still running (a --collect beside the sweep: this shell's pid) stays.
sh -c 'exit 0' & dead=$!; wait "$dead"
for f in index.json sweep.yaml results.csv; do echo half > "resume/$f.tmp.$dead"; done
echo writing > "resume/results.md.tmp.$$"
rc=0; "$sweep" "${args[@]}" > run4.out 2>&1 || rc=$?
[ -z "$(ls resume/*.tmp.$dead 2> /dev/null)" ] || fail "stale temporaries stayed: $(ls resume)"
[ -e "resume/results.md.tmp.$$" ] || fail "a live writer's temporary was removed"
rm "resume/results.md.tmp.$$"
expect_status 0 "$rc" "rerun of a finished sweep"
grep -q "4 already done, 0 to run" run4.out || fail "rerun did work: $(cat run4.out)"
! grep -q "^start\|^resume" run4.out || fail "rerun started points"
"$sweep" "${args[@]}" --dry-run | tee dry.out
[ "$(grep -c '] done' dry.out)" = 4 ] || fail "--dry-run does not list 4 done points"

echo "== 1e. a hang-up of the sweep's terminal stops neither the sweep nor its runs"
# The slow points: a tiny run can finish (0.04 s on a fast machine) between two polls of
# wait_for_live, which then never sees it running.
setsid "$sweep" "$tiny" seed=5,6 "${slow[@]}" --out hangup --jobs 1 --threads-per-run 1 > hup.out 2>&1 &
pid=$!
wait_for_live hangup 30
kill -HUP -- "-$pid"  # what the kernel sends the foreground process group of a lost terminal
rc=0; wait "$pid" || rc=$?
cat hup.out
expect_status 0 "$rc" "sweep whose terminal hung up"
[ "$(count_finished hangup)" = 2 ] || fail "the points of a hung-up sweep did not all finish"

echo "== 2. a failing point"
cat > failing.yaml <<YAML
base: $tiny
overrides: {train.epochs: 1}
grid: {seed: [1, 2]}
points:
  - {seed: 3, data.corpus: files, data.path: /nonexistent, data.train_file: a, data.valid_file: b, data.test_file: c}
  - {seed: 4}
YAML
rc=0; "$sweep" failing.yaml --out failing --jobs 1 --threads-per-run 1 > fail.out 2>&1 || rc=$?
cat fail.out
expect_status 1 "$rc" "sweep with a failing point"
grep -q "^FAILED point 3 " fail.out || fail "the failure was not reported"
grep -q "| hitnet-run: data: /nonexistent/a: file not found" fail.out || fail "no log tail in the report"
# Reported when it happened: before point 4 started.
[ "$(grep -n '^FAILED point 3' fail.out | cut -d: -f1)" -lt "$(grep -n '^start  point 4' fail.out | cut -d: -f1)" ] ||
  fail "the failure was reported late"
[ "$(count_finished failing)" = 3 ] || fail "the other points did not all finish"
"$py" - failing/index.json <<'PY' || fail "index.json does not record the failure"
import json, sys
points = {p["number"]: p for p in json.load(open(sys.argv[1]))["points"]}
assert points[3]["status"] == "failed" and points[3]["exit_code"] == 1, points[3]
assert "file not found" in points[3]["log_tail"]
assert all(points[n]["status"] == "finished" for n in (1, 2, 4))
PY

rc=0; "$sweep" failing.yaml --out failfast --jobs 1 --threads-per-run 1 --fail-fast > failfast.out 2>&1 || rc=$?
cat failfast.out
expect_status 1 "$rc" "--fail-fast sweep"
! grep -q "^start  point 4" failfast.out || fail "--fail-fast started a point after the failure"

echo "== 3. the collected table"
rm failing/results.csv failing/results.md
"$sweep" --collect failing > collect.out
grep -q "| seed | data.corpus |" collect.out || fail "the Markdown table lacks the varied keys"
"$py" - failing/results.csv <<'PY' || fail "results.csv has the wrong contents"
import sys
import pandas as pd
t = pd.read_csv(sys.argv[1])
print(t[["seed", "status", "test_ppl", "exit_code"]])
assert list(t["seed"]) == [1, 2, 3, 4]
assert list(t["status"]) == ["finished", "finished", "failed", "finished"]
assert t.loc[t.status == "finished", "test_ppl"].between(1.0, 60.0).all()  # vocab 50
assert t.loc[t.status == "failed", "test_ppl"].isna().all()
assert list(t["data.corpus"]) == ["synthetic", "synthetic", "files", "synthetic"]
for column in ("best_valid_ppl", "epochs_run", "hash", "run_dir"):
    assert column in t.columns, column
PY

# The analysis package, as installed (ctest's analysis.venv fixture gives HITNET_ANALYSIS_PYTHON,
# the venv of analysis/README.md), reads the same sweep directory as a tree of runs.
"${HITNET_ANALYSIS_PYTHON:?the Python of the venv with hitnet_analysis installed (ctest sets it)}" \
  - failing <<'PY' || fail "hitnet_analysis.load_tree cannot read the sweep"
import sys
from hitnet_analysis import load_tree
t = load_tree(sys.argv[1])
assert sorted(t["config.seed"]) == [1, 2, 4] and (t["status"] == "finished").all(), t
PY

echo "== 4. a diverging point"
# A stand-in hitnet-run: the real one, then the run marked diverged (exit 3) for seed=2, in
# summary.json and results.h5 alike -- the engine's own divergence needs a config that blows
# up, which takes long to find reliably.
cat > diverging-run.sh <<SH
#!/usr/bin/env bash
"$bin/hitnet-run" "\$@" || exit
case " \$* " in *" seed=2 "*)
  out=\$(sed -n 's/.*--out \\([^ ]*\\).*/\\1/p' <<< "\$*")
  sed -i 's/"status": "finished"/"status": "diverged"/' "\$out/summary.json"
  "$py" -c 'import h5py, sys; h5py.File(sys.argv[1], "a").attrs["status"] = "diverged"' "\$out/results.h5"
  echo "diverged: non-finite loss (stand-in)"; exit 3 ;;
esac
SH
chmod +x diverging-run.sh
div_args=("$tiny" seed=1,2 train.epochs=1 --out diverging --jobs 1 --threads-per-run 1
          --hitnet-run "$work/diverging-run.sh")
rc=0; "$sweep" "${div_args[@]}" > div.out 2>&1 || rc=$?
cat div.out
expect_status 3 "$rc" "sweep with a diverged point"
grep -q "^DIVERGED point 2 " div.out || fail "the divergence was not reported"
grep -q "| diverged: non-finite loss (stand-in)" div.out || fail "no log tail for the diverged point"
rc=0; "$sweep" "${div_args[@]}" > div2.out 2>&1 || rc=$?
expect_status 3 "$rc" "rerun of a sweep with a diverged point"
grep -q "2 already done, 0 to run" div2.out || fail "a diverged point (a result) was rerun"

echo "== 5. a bad value fails up front"
rc=0; "$sweep" "$tiny" seed=1,2 quant.sloping_factor=0.5,abc --out bad > bad.out 2>&1 || rc=$?
cat bad.out
expect_status 2 "$rc" "bad sweep"
grep -q "point 2 (seed=1 quant.sloping_factor=abc).*quant.sloping_factor: expected a number" bad.out ||
  fail "the error does not name point and key"
[ ! -e bad ] || fail "a bad sweep created its directory"
echo "PASS"
