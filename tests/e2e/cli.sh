#!/usr/bin/env bash
# hitnet-run end to end, as a user types it: --help/--version, config errors (exit 2, naming
# file, line and key), bad data (exit 1, naming the file), a tiny run, and a run killed with
# SIGKILL then resumed, which must end with the metrics of an uninterrupted run.
# usage: cli.sh BIN_DIR SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/harness.sh"
cfg=configs/tiny_synthetic.yaml

"$bin/hitnet-run" --help > "$work/help.txt"; check "--help exits 0" [ $? -eq 0 ]
check "--help lists --resume" grep -q -- "--resume" "$work/help.txt"
"$bin/hitnet-run" --version > "$work/version.txt"; check "--version exits 0" [ $? -eq 0 ]
check "--version names the program" grep -q "hitnet-run" "$work/version.txt"

# Config errors: exit 2, message names file/line/key and suggests.
printf 'name: bad\nmodel:\n  hiden: 3\n' > "$work/typo.yaml"
"$bin/hitnet-run" "$work/typo.yaml" > /dev/null 2> "$work/typo.err"; rc=$?
check "unknown key exits 2 (got $rc)" [ $rc -eq 2 ]
check "unknown key names file:line and key" grep -q "typo.yaml:3.*model.hiden" "$work/typo.err"
check "unknown key suggests model.hidden" grep -q "model.hidden" "$work/typo.err"
"$bin/hitnet-run" $cfg model.hidden=abc --out "$work/x" > /dev/null 2> "$work/type.err"; rc=$?
check "wrong type in an override exits 2 (got $rc)" [ $rc -eq 2 ]
check "wrong type names the key" grep -q "model.hidden" "$work/type.err"
"$bin/hitnet-run" $cfg train.lr=-1 --out "$work/x" > /dev/null 2> "$work/range.err"; rc=$?
check "out-of-range exits 2 (got $rc)" [ $rc -eq 2 ]
check "out-of-range names the key" grep -q "train.lr" "$work/range.err"
check "nothing was written for a bad config" [ ! -e "$work/x" ]

# Bad data: exit 1, message names the missing file.
"$bin/hitnet-run" $cfg data.corpus=ptb data.path="$work/nowhere" --out "$work/nodata" > /dev/null 2> "$work/data.err"; rc=$?
check "missing corpus exits 1 (got $rc)" [ $rc -eq 1 ]
check "missing corpus names the file" grep -q "nowhere/ptb.train.txt" "$work/data.err"

# A tiny run, plain progress lines (stdout is not a terminal), final perplexities.
long="train.checkpoint_every=5 data.synthetic_tokens=100000"  # a few seconds: time to kill it
"$bin/hitnet-run" $cfg --out "$work/whole" $long > "$work/whole.out" 2>&1; rc=$?
check "tiny run exits 0 (got $rc)" [ $rc -eq 0 ]
check "prints progress lines" grep -q "^epoch 1/3 batch" "$work/whole.out"
check "prints valid and test perplexity" grep -q "^valid ppl .* test ppl" "$work/whole.out"
check "prints where the results are" grep -q "^results: $work/whole" "$work/whole.out"
for f in config.yaml summary.json log.txt results.h5 checkpoints/best.ckpt checkpoints/latest.ckpt; do
  check "run dir has $f" [ -e "$work/whole/$f" ]
done
check "summary says finished" [ "$(json "$work/whole/summary.json" status)" = finished ]
"$bin/hitnet-run" $cfg --out "$work/whole" $long > /dev/null 2> "$work/again.err"; rc=$?
check "a second run into the same dir is refused (got $rc)" [ $rc -ne 0 ]
check "the refusal says the run finished and how to replace it" \
  grep -q "which finished.*--force" "$work/again.err"

# SIGKILL in the middle, then --resume: same final metrics as the uninterrupted run.
"$bin/hitnet-run" $cfg --out "$work/killed" $long > "$work/killed.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  grep -q "^epoch 2/3 batch" "$work/killed.out" 2>/dev/null && break
  sleep 0.05
done
# While it runs, nobody else may write its directory.
"$bin/hitnet-run" --resume "$work/killed" > /dev/null 2> "$work/busy.err"; rc=$?
check "a resume while the run goes is refused (got $rc)" [ $rc -eq 1 ]
check "the refusal says the directory is in use" grep -q "in use by another hitnet-run" "$work/busy.err"
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "killed run left a checkpoint" [ -e "$work/killed/checkpoints/latest.ckpt" ]
check "the run was killed before it finished" [ "$(json "$work/killed/summary.json" status)" = running ]
check "the killed run's results.h5 opens and says running" \
  [ "$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['status'].decode())" "$work/killed/results.h5")" = running ]
"$bin/hitnet-run" --resume "$work/killed" > "$work/resumed.out" 2>&1; rc=$?
check "resume exits 0 (got $rc)" [ $rc -eq 0 ]
check "resume says where it resumed" grep -q "^resumed at epoch" "$work/resumed.out"
for key in test_ppl best_valid_ppl epochs; do
  a=$(json "$work/whole/summary.json" $key) b=$(json "$work/killed/summary.json" $key)
  check "resumed $key ($b) equals uninterrupted ($a)" [ "$a" = "$b" ]
done

report
