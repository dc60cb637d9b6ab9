#!/usr/bin/env bash
# What a long study on a shared machine eventually hits, end to end: command-line errors exit
# 2 in every program; bad configs are refused before anything is written; a damaged checkpoint
# or results file is one clear error naming it; SIGHUP stops a run resumably and a closed
# stdout does not kill it; --resume continues a run killed before its first checkpoint, leaves
# a finished run alone, honours --threads and removes stale temporary files; a checkpoint in
# the old format (no checksum) still resumes; a run on a full disk fails saying why and resumes
# once space allows.
# usage: reliability.sh BIN_DIR SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/harness.sh"
run="$bin/hitnet-run"
cfg=configs/tiny_synthetic.yaml
wait_for() {  # wait_for FILE PATTERN: up to 20 s
  for _ in $(seq 1 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# --- Command-line errors: exit 2 (not CLI11's 104-114), with a message; --help/--version 0.
expect_usage_error() {  # NAME MESSAGE_PATTERN PROGRAM ARGS...
  local name=$1 pattern=$2; shift 2
  "$@" > /dev/null 2> "$work/usage.err"; local rc=$?
  check "$name exits 2 (got $rc)" [ $rc -eq 2 ]
  check "$name says why" grep -qi -- "$pattern" "$work/usage.err"
}
expect_usage_error "hitnet-run --bogus" "bogus" "$run" $cfg --bogus
expect_usage_error "hitnet-run --threads abc" "threads" "$run" $cfg --threads abc
expect_usage_error "hitnet-run --threads -3" "threads" "$run" $cfg --threads -3
expect_usage_error "hitnet-run --stop-after-batches -1" "stop-after-batches" \
  "$run" $cfg --stop-after-batches -1
expect_usage_error "hitnet-run --out without a value" "out" "$run" $cfg --out
expect_usage_error "hitnet-run --resume DIR with an override" "overrides" \
  "$run" --resume "$work/nowhere" train.epochs=4
expect_usage_error "hitnet-run --resume of a directory without a run" "no run there" \
  "$run" --resume "$work/nowhere"
expect_usage_error "hitnet-sweep --executor bogus" "executor" "$bin/hitnet-sweep" $cfg --executor bogus
expect_usage_error "hitnet-sweep --bogus" "bogus" "$bin/hitnet-sweep" --bogus
expect_usage_error "hitnet-bench --seconds 0" "seconds" "$bin/hitnet-bench" $cfg --seconds 0
expect_usage_error "hitnet-bench without a config" "config" "$bin/hitnet-bench"
for program in hitnet-run hitnet-sweep hitnet-bench; do
  for flag in --help --version; do
    "$bin/$program" $flag > /dev/null 2>&1; rc=$?
    check "$program $flag exits 0 (got $rc)" [ $rc -eq 0 ]
  done
done

# --- Bad configs: refused (exit 2) with a message naming the problem; nothing written.
: > "$work/empty.yaml"
"$run" "$work/empty.yaml" --out "$work/from-empty" > /dev/null 2> "$work/empty.err"; rc=$?
check "an empty config is refused (got $rc)" [ $rc -eq 2 ]
check "the refusal names the file" grep -q "empty.yaml.*empty" "$work/empty.err"
printf '# only a comment\n' > "$work/comments.yaml"
"$run" "$work/comments.yaml" --out "$work/from-empty" > /dev/null 2>&1; rc=$?
check "a config of only comments is refused (got $rc)" [ $rc -eq 2 ]
check "nothing was written for an empty config" [ ! -e "$work/from-empty" ]
echo "not a directory" > "$work/a-file"
"$run" $cfg --out "$work/a-file" > /dev/null 2> "$work/outfile.err"; rc=$?
check "--out naming an existing file exits 2 (got $rc)" [ $rc -eq 2 ]
check "--out naming a file says so" grep -q "a-file is an existing file, not a directory" "$work/outfile.err"
check "--out naming a file leaves it alone" grep -q "not a directory" "$work/a-file"
"$bin/hitnet-sweep" $cfg seed=1,2 --out "$work/a-file" > /dev/null 2> "$work/sweep-outfile.err"; rc=$?
check "hitnet-sweep --out naming an existing file exits 2 (got $rc)" [ $rc -eq 2 ]
check "hitnet-sweep says so" grep -q "a-file is an existing file, not a directory" \
  "$work/sweep-outfile.err"
"$run" $cfg model.hidden=100000000 --out "$work/huge" > /dev/null 2> "$work/huge.err"; rc=$?
check "a model too large for memory is refused (got $rc)" [ $rc -eq 2 ]
check "the refusal gives the figure" grep -q "needs about .* available" "$work/huge.err"
check "no bad_alloc" bash -c "! grep -q bad_alloc '$work/huge.err'"
check "nothing was written for a model too large" [ ! -e "$work/huge" ]
"$bin/hitnet-bench" $cfg model.hidden=100000000 --seconds 1 > /dev/null 2> "$work/bench-huge.err"; rc=$?
check "hitnet-bench refuses a model too large for memory (got $rc)" [ $rc -eq 2 ]
check "hitnet-bench gives the figure" grep -q "needs about .* available" "$work/bench-huge.err"

# --- A run stopped resumably, resumed with another thread count: --threads is honoured.
"$run" $cfg threads=1 --out "$work/threads" --stop-after-batches 3 > /dev/null 2>&1; rc=$?
check "--stop-after-batches exits 130 (got $rc)" [ $rc -eq 130 ]
"$run" --resume "$work/threads" --threads 2 > /dev/null 2>&1; rc=$?
check "resume with --threads exits 0 (got $rc)" [ $rc -eq 0 ]
check "the resumed run used --threads 2" [ "$(json "$work/threads/summary.json" threads)" = 2 ]

# --- --resume on a finished run: says so, changes nothing.
before=$(cd "$work/threads" && sha256sum summary.json results.h5 log.txt checkpoints/*)
"$run" --resume "$work/threads" > "$work/finished.out" 2>&1; rc=$?
check "resume of a finished run exits 0 (got $rc)" [ $rc -eq 0 ]
check "resume of a finished run says it is finished, with its test ppl" \
  grep -q "is already finished (test ppl [0-9.]*)" "$work/finished.out"
check "resume of a finished run changes nothing" \
  [ "$(cd "$work/threads" && sha256sum summary.json results.h5 log.txt checkpoints/*)" = "$before" ]
"$run" $cfg threads=1 --out "$work/threads" > /dev/null 2> "$work/rerun.err"; rc=$?
check "a new run into a finished run's directory is refused (got $rc)" [ $rc -eq 1 ]
check "the refusal points to --out or --force, not --resume" \
  bash -c "grep -q 'which finished' '$work/rerun.err' && ! grep -q -- '--resume' '$work/rerun.err'"

# --- The reference: an uninterrupted run of the longer config the next tests kill.
long="train.checkpoint_every=0 data.synthetic_tokens=200000 train.epochs=2"
"$run" $cfg $long --out "$work/whole" > /dev/null 2>&1; rc=$?
check "reference run exits 0 (got $rc)" [ $rc -eq 0 ]

# --- SIGKILL before the first checkpoint: --resume starts it over in the same directory.
"$run" $cfg $long --out "$work/early" > "$work/early.out" 2>&1 &
pid=$!
wait_for "$work/early.out" "^epoch 1/2 batch"
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "killed before its first checkpoint" [ ! -e "$work/early/checkpoints/latest.ckpt" ]
"$run" $cfg $long --out "$work/early" > /dev/null 2> "$work/early-rerun.err"; rc=$?
check "a plain re-run is refused (got $rc)" [ $rc -eq 1 ]
check "and points to --resume" grep -q -- "--resume" "$work/early-rerun.err"
"$run" --resume "$work/early" > "$work/early-resumed.out" 2> "$work/early-resumed.err"; rc=$?
check "--resume of a run without a checkpoint exits 0 (got $rc)" [ $rc -eq 0 ]
check "--resume says it starts from the beginning" grep -q "from the beginning" "$work/early-resumed.err"
check "the restarted run matches the uninterrupted one" \
  [ "$(json "$work/early/summary.json" test_ppl)" = "$(json "$work/whole/summary.json" test_ppl)" ]

# --- SIGHUP (a closed terminal) stops like SIGTERM: batch finished, checkpoint, exit 130.
"$run" $cfg $long --out "$work/hup" > "$work/hup.out" 2>&1 &
pid=$!
wait_for "$work/hup.out" "^epoch 1/2 batch"
kill -HUP $pid; wait $pid; rc=$?
check "SIGHUP exits 130 (got $rc)" [ $rc -eq 130 ]
check "SIGHUP leaves a checkpoint" [ -e "$work/hup/checkpoints/latest.ckpt" ]
check "SIGHUP leaves the summary interrupted" [ "$(json "$work/hup/summary.json" status)" = interrupted ]

# --- Stale temporary files of killed processes go on resume; other files stay.
for f in checkpoints/latest.ckpt.tmp.999999 summary.json.tmp.999999 results.h5.tmp.1 \
         index.json.tmp.42; do
  echo stale > "$work/hup/$f"
done
echo keep > "$work/hup/notes.tmp.txt"
"$run" --resume "$work/hup" > /dev/null 2>&1; rc=$?
check "resume after SIGHUP exits 0 (got $rc)" [ $rc -eq 0 ]
check "the run resumed after SIGHUP matches the uninterrupted one" \
  [ "$(json "$work/hup/summary.json" test_ppl)" = "$(json "$work/whole/summary.json" test_ppl)" ]
check "stale temporary files were removed" \
  [ -z "$(find "$work/hup" -name '*.tmp.[0-9]*')" ]
check "other files were kept" [ -e "$work/hup/notes.tmp.txt" ]

# --- A closed stdout (a dead sweep driver, | head) neither kills nor fails the run.
"$run" $cfg --out "$work/pipe" | head -n 1 > /dev/null; rc=${PIPESTATUS[0]}
check "a run writing into a closed pipe exits 0 (got $rc)" [ $rc -eq 0 ]
check "its log.txt is complete" grep -q "^results: " "$work/pipe/log.txt"
check "its summary says finished" [ "$(json "$work/pipe/summary.json" status)" = finished ]

# --- A damaged checkpoint is never trusted: a clear error naming it.
stopped() {  # stopped NAME [OVERRIDE...]: a tiny run stopped resumably in its second epoch
  local name=$1; shift
  "$run" $cfg train.max_batches=20 "$@" --out "$work/$name" --stop-after-batches 25 > /dev/null 2>&1
}
flip_byte() {  # flip_byte FILE OFFSET_FRACTION
  /usr/bin/python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); i=int(len(b)*float(sys.argv[2]))
b[i]^=0x5a; open(p,'wb').write(bytes(b))" "$1" "$2"
}
# The newest one damaged: the run falls back to the one before it (the end of epoch 1), says so,
# keeps the damaged file aside, and ends as the run would have.
stopped damaged
flip_byte "$work/damaged/checkpoints/latest.ckpt" 0.6
"$run" --resume "$work/damaged" > /dev/null 2> "$work/damaged.err"; rc=$?
check "a damaged latest.ckpt falls back to previous.ckpt (got $rc)" [ $rc -eq 0 ]
check "the log says why and from where" \
  grep -q "latest.ckpt.*damaged.*previous.ckpt\|previous.ckpt.*latest.ckpt.*damaged" \
  "$work/damaged/log.txt"
check "the damaged file is kept aside" [ -e "$work/damaged/checkpoints/latest.ckpt.damaged" ]
stopped undamaged
"$run" --resume "$work/undamaged" > /dev/null 2>&1
check "and the run ends as an undamaged one" \
  [ "$(json "$work/damaged/summary.json" test_ppl)" = "$(json "$work/undamaged/summary.json" test_ppl)" ]
# Both damaged: nothing to trust, a clear error naming both.
stopped damaged-both
flip_byte "$work/damaged-both/checkpoints/latest.ckpt" 0.6
flip_byte "$work/damaged-both/checkpoints/previous.ckpt" 0.4
"$run" --resume "$work/damaged-both" > /dev/null 2> "$work/damaged-both.err"; rc=$?
check "two damaged checkpoints are refused (got $rc)" [ $rc -eq 1 ]
check "the error names both and says they are damaged" \
  grep -q "latest.ckpt.*damaged.*previous.ckpt.*damaged" "$work/damaged-both.err"
# The learning rate all but vanishes after epoch 1, so epoch 1 stays the best and its damaged
# best.ckpt is what the final test must read.
stopped damaged-best train.schedule.type=decay train.schedule.decay_start=2 \
  train.schedule.decay_factor=1e-30
check "the stopped run has a best.ckpt" [ -e "$work/damaged-best/checkpoints/best.ckpt" ]
flip_byte "$work/damaged-best/checkpoints/best.ckpt" 0.5
"$run" --resume "$work/damaged-best" > /dev/null 2> "$work/damaged-best.err"; rc=$?
check "a damaged best.ckpt fails the run instead of a wrong test ppl (got $rc)" [ $rc -eq 1 ]
check "the error names best.ckpt" grep -q "best.ckpt.*damaged" "$work/damaged-best.err"
stopped truncated
truncate -s 100 "$work/truncated/checkpoints/latest.ckpt"
truncate -s 100 "$work/truncated/checkpoints/previous.ckpt"
"$run" --resume "$work/truncated" > /dev/null 2> "$work/truncated.err"; rc=$?
check "truncated checkpoints are refused (got $rc)" [ $rc -eq 1 ]
check "the error names latest.ckpt" grep -q "latest.ckpt.*truncated" "$work/truncated.err"

# --- A checkpoint in the first format (no checksum), as the previous binary wrote it, resumes.
stopped old-format
/usr/bin/python3 - "$work/old-format/checkpoints/latest.ckpt" <<'PY'
import struct, sys
p = sys.argv[1]; b = open(p, 'rb').read()
assert b[:8] == b'HITNETCK' and struct.unpack('<I', b[8:12])[0] == 2
n = struct.unpack('<Q', b[12:20])[0]
open(p, 'wb').write(b[:8] + struct.pack('<I', 1) + b[20:20 + n])
PY
"$run" --resume "$work/old-format" > /dev/null 2> "$work/old-format.err"; rc=$?
check "a format-1 checkpoint resumes (got $rc)" [ $rc -eq 0 ]
stopped new-format
"$run" --resume "$work/new-format" > /dev/null 2>&1
check "and ends like a format-2 one" \
  [ "$(json "$work/old-format/summary.json" test_ppl)" = "$(json "$work/new-format/summary.json" test_ppl)" ]

# --- A corrupted results.h5: one clear line on stderr, no HDF5 internals.
# (truncated; its signature scribbled over; its metadata damaged, which made HDF5 print
# "infinite loop closing library" at exit)
for how in truncate scribble metadata; do
  stopped "h5-$how"
  f="$work/h5-$how/results.h5"
  /usr/bin/python3 -c "
import sys; p, how = sys.argv[1:]; b = bytearray(open(p, 'rb').read())
if how == 'truncate': b = b[:1000]
for i in range(0, len(b), 7) if how == 'scribble' else range(2000, 6000) if how == 'metadata' else []:
    b[i] ^= 0xA5
open(p, 'wb').write(bytes(b))" "$f" $how
  "$run" --resume "$work/h5-$how" > /dev/null 2> "$work/h5-$how.err"; rc=$?
  check "a corrupted results.h5 ($how) fails the resume (got $rc)" [ $rc -eq 1 ]
  check "the error names results.h5 ($how)" grep -q "results.h5" "$work/h5-$how.err"
  check "the error is one line ($how): $(wc -l < "$work/h5-$how.err") lines" \
    [ "$(wc -l < "$work/h5-$how.err")" -eq 1 ]
  check "no HDF5 internals ($how)" bash -c "! grep -q 'infinite loop\|HDF5-DIAG' '$work/h5-$how.err'"
done

# --- A full disk: the run fails saying why (not left "running"), and resumes once space allows.
# Needs a small file system of its own: a tmpfs (root, as in CI); elsewhere the check is skipped.
full="$work/full-disk"
mkdir -p "$full"
if mount -t tmpfs -o size=150k tmpfs "$full" 2> /dev/null; then
  "$run" $cfg --out "$full/run" > /dev/null 2> "$work/full.err"; rc=$?
  check "a run on a full disk exits 1 (got $rc)" [ $rc -eq 1 ]
  check "the error names the full disk" grep -q "No space left on device" "$work/full.err"
  check "summary.json says failed, not running" \
    [ "$(json "$full/run/summary.json" status)" = failed ]
  check "the summary gives the reason" grep -q "No space left on device" "$full/run/summary.json"
  mount -o remount,size=8m "$full"
  "$run" --resume "$full/run" > /dev/null 2>&1; rc=$?
  check "with space again, --resume finishes the run (got $rc)" [ $rc -eq 0 ]
  check "the resumed run says finished" [ "$(json "$full/run/summary.json" status)" = finished ]
  umount "$full"
else
  echo "skipped: the full-disk checks need a tmpfs mount (root)"
fi

report
