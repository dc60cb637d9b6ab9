#!/usr/bin/env bash
# hitnet-export and hitnet-eval end to end, as a user types them: a tiny HitNet run whose BTQ
# gates evaluate deterministically (so the trainer's own test and valid perplexities are the
# deterministic ones), exported to a packed file and evaluated by the inference library with
# every kernel choice: the same perplexities. Then the errors: a truncated, corrupt, foreign or
# missing model file (exit 1), a scheme the format cannot run (a TTQ-scaled h: exit 2, naming the key).
# Last, hitnet-bench's packed path runs and reports both engines.
# usage: packed.sh BIN_DIR SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/harness.sh"
# close A B: relative difference at most 1e-6
close() { /usr/bin/python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 1e-6 * abs(b))" "$1" "$2"; }

for p in hitnet-export hitnet-eval; do
  "$bin/$p" --help > "$work/help.txt"; check "$p --help exits 0" [ $? -eq 0 ]
  "$bin/$p" --version > "$work/version.txt"; check "$p --version names the program" grep -q "$p" "$work/version.txt"
done

# A tiny HitNet run: TTQ weights, BTQ gates (deterministic at evaluation), λ = 0.5.
run=$work/run
"$bin/hitnet-run" configs/tiny_synthetic.yaml --out "$run" train.epochs=2 \
  quant.weight_quant=ttq quant.sloping_factor=0.5 \
  "quant.sigmoid_quant={method: btq, eval: deterministic}" \
  "quant.tanh_quant={method: btq, eval: deterministic}" > "$work/run.out" 2>&1; rc=$?
check "tiny HitNet run exits 0 (got $rc)" [ $rc -eq 0 ]

"$bin/hitnet-export" "$run" -o "$work/model.hnt" > "$work/export.out" 2> "$work/export.err"; rc=$?
check "export exits 0 (got $rc)" [ $rc -eq 0 ]
check "export says where it wrote" grep -q "to $work/model.hnt" "$work/export.out"
check "export describes the ternary layer" grep -q "W_ih ternary, W_hh ternary" "$work/export.out"
check "export reports a ternary hidden state" grep -q "hidden state ternary" "$work/export.out"
check "export reports the recurrent bytes" grep -q "recurrent weights: .* bytes packed" "$work/export.out"
"$bin/hitnet-export" "$run" > /dev/null 2>&1
check "export defaults to RUN_DIR/model.hnt" [ -s "$run/model.hnt" ]

test_ppl=$(json "$run/summary.json" test_ppl)
by_mode=$(json "$run/summary.json" test_ppl_by_mode.deterministic.ppl)
valid_ppl=$(json "$run/summary.json" best_valid_ppl)
for kernels in auto portable float32; do
  "$bin/hitnet-eval" "$work/model.hnt" --kernels $kernels --json "$work/eval_$kernels.json" \
    > "$work/eval_$kernels.out" 2>&1; rc=$?
  check "eval --kernels $kernels exits 0 (got $rc)" [ $rc -eq 0 ]
  ppl=$(json "$work/eval_$kernels.json" ppl)
  check "eval --kernels $kernels: test ppl $ppl equals the trainer's $test_ppl" close "$ppl" "$test_ppl"
  if [ -n "$by_mode" ]; then
    check "eval --kernels $kernels: test ppl $ppl equals test_ppl_by_mode.deterministic $by_mode" close "$ppl" "$by_mode"
  fi
done
check "eval prints the perplexity" grep -q "^test ppl [0-9.]* (synthetic test" "$work/eval_auto.out"
"$bin/hitnet-eval" "$work/model.hnt" --split valid --json "$work/valid.json" > /dev/null 2>&1
ppl=$(json "$work/valid.json" ppl)
check "valid ppl $ppl equals the best epoch's $valid_ppl" close "$ppl" "$valid_ppl"
"$bin/hitnet-eval" "$work/model.hnt" --batch 1 --max-windows 3 --json "$work/b1.json" > /dev/null 2>&1; rc=$?
check "eval --batch 1 --max-windows 3 exits 0 (got $rc)" [ $rc -eq 0 ]
check "batch 1, 3 windows of 10 steps score 30 tokens" [ "$(json "$work/b1.json" tokens)" = 30.0 ]

# Bad model files: exit 1, the message names the file and the problem.
head -c 1000 "$work/model.hnt" > "$work/truncated.hnt"
"$bin/hitnet-eval" "$work/truncated.hnt" > /dev/null 2> "$work/truncated.err"; rc=$?
check "a truncated model exits 1 (got $rc)" [ $rc -eq 1 ]
check "a truncated model is called truncated" grep -q "truncated.hnt: truncated" "$work/truncated.err"
/usr/bin/python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 0x40
open(sys.argv[2], 'wb').write(b)" "$work/model.hnt" "$work/flipped.hnt"
"$bin/hitnet-eval" "$work/flipped.hnt" > /dev/null 2> "$work/flipped.err"; rc=$?
check "a flipped byte exits 1 (got $rc)" [ $rc -eq 1 ]
check "a flipped byte is a checksum mismatch" grep -q "checksum mismatch" "$work/flipped.err"
"$bin/hitnet-eval" "$run/checkpoints/best.ckpt" > /dev/null 2> "$work/ckpt.err"; rc=$?
check "a checkpoint given to hitnet-eval exits 1 (got $rc)" [ $rc -eq 1 ]
check "a checkpoint is pointed to hitnet-export" grep -q "training checkpoint, export it with hitnet-export" "$work/ckpt.err"
"$bin/hitnet-eval" "$work/nowhere.hnt" > /dev/null 2> "$work/missing.err"; rc=$?
check "a missing model exits 1 (got $rc)" [ $rc -eq 1 ]
check "a missing model is named" grep -q "nowhere.hnt: cannot open" "$work/missing.err"
"$bin/hitnet-eval" "$work/model.hnt" --split nonsense > /dev/null 2>&1; rc=$?
check "a bad --split exits 2 (got $rc)" [ $rc -eq 2 ]

# Export errors: no run (exit 1), a scheme the packed format cannot run (exit 2, naming the key).
"$bin/hitnet-export" "$work/no_run" > /dev/null 2> "$work/norun.err"; rc=$?
check "export of a missing run exits 1 (got $rc)" [ $rc -eq 1 ]
check "export of a missing run names config.yaml" grep -q "no_run/config.yaml: no such file" "$work/norun.err"
cp -r "$run" "$work/scaled_h"
/usr/bin/python3 -c "
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
cfg['quant']['hidden_quant'] = {'method': 'ttq'}
yaml.safe_dump(cfg, open(sys.argv[1], 'w'))" "$work/scaled_h/config.yaml"
"$bin/hitnet-export" "$work/scaled_h" > /dev/null 2> "$work/scaled_h.err"; rc=$?
check "export of a TTQ-scaled h exits 2 (got $rc)" [ $rc -eq 2 ]
check "the refusal names the key" grep -q "quant.hidden_quant: method 'ttq' cannot be packed" "$work/scaled_h.err"

# hitnet-bench's packed path on the same scheme: model and recurrent-weight bytes against
# float32, and both engines timed at batch 1 and 10 (figures in its --json).
"$bin/hitnet-bench" configs/tiny_synthetic.yaml quant.weight_quant=ttq quant.sloping_factor=0.5 \
  "quant.sigmoid_quant={method: btq, eval: deterministic}" \
  "quant.tanh_quant={method: btq, eval: deterministic}" --packed --seconds 0.2 \
  --json "$work/bench.json" > "$work/bench.out" 2>&1; rc=$?
check "hitnet-bench --packed exits 0 (got $rc)" [ $rc -eq 0 ]
check "hitnet-bench --packed compares the recurrent weights' bytes" \
  grep -q "recurrent weights (W_ih, W_hh): packed [0-9]* bytes, float32 32768 bytes" "$work/bench.out"
check "hitnet-bench --packed measures both engines at batch 1 and 10" /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['recurrent_weight_bytes'] * 4 < d['recurrent_weight_float32_bytes'], d
for b in ('batch1', 'batch10'):
    for k in ('w_hh_product_us', 'recurrent_step_tokens_per_s', 'eval_tokens_per_s'):
        assert d[b][k]['packed'] > 0 and d[b][k]['float32'] > 0, (b, k, d[b])" "$work/bench.json"

report "packed e2e"
