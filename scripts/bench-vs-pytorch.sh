#!/usr/bin/env bash
# Training speed of the paper's model against PyTorch's own training loop for the same model and
# recipe, and against the machine's best SGEMM, all in one run, at 1 and 2 threads (README,
# Performance):
#   scripts/bench-vs-pytorch.sh [BUILD_DIR] [CONFIG]     (defaults: build configs/ptb_lstm_fp.yaml)
# Needs the bench-only packages (scripts/bootstrap.sh bench): Debian's python3-torch.
# PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its command alone, so that
# OpenBLAS picks its own best kernel (the script prints which); nothing else changes them.
# Run on an otherwise idle machine: every figure is a rate.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cfg=${2:-configs/ptb_lstm_fp.yaml}
seconds=${BENCH_SECONDS:-8}
cell=$(sed -n 's/.*cell: *\([a-z]*\).*/\1/p' "$cfg" | head -1)
gates=$([ "$cell" = gru ] && echo 3 || echo 4)

value() { sed -n "s/^$1 *\([0-9.]*\).*/\1/p"; }
for threads in 1 2; do
  echo "=== $threads thread(s), $cfg"
  best=0 best_name=
  for gemm in "$build"/bin/hitnet-gemm-*; do
    out=$("$gemm" --threads "$threads" --gates "$gates" --seconds 0.5) || {
      echo "$out"; echo "bench-vs-pytorch: $gemm computes wrong results" >&2; exit 1; }
    echo "$out" | sed -n '1p;/^square/p;/^model mix/p'
    square=$(echo "$out" | sed -n 's/^square *[0-9]* *[0-9]* *[0-9]* *\([0-9.]*\).*/\1/p')
    if awk "BEGIN{exit !($square > $best)}"; then best=$square best_name=${gemm##*/}; fi
  done
  hitnet=$("$build/bin/hitnet-bench" "$cfg" "threads=$threads" --seconds "$seconds")
  echo "$hitnet"
  torch=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 scripts/bench_pytorch_lm.py \
    --threads "$threads" --cell "$cell" --seconds "$seconds")
  echo "$torch"
  ours=$(echo "$hitnet" | sed -n 's/^train: *\([0-9.]*\) tokens.*/\1/p')
  gflops=$(echo "$hitnet" | sed -n 's/^train: *\([0-9.]*\) GFLOP.*/\1/p')
  theirs=$(echo "$torch" | sed -n 's/^pytorch train: *\([0-9.]*\).*/\1/p')
  awk -v t="$threads" -v a="$ours" -v b="$theirs" -v g="$gflops" -v s="$best" -v n="$best_name" \
    'BEGIN { printf "RESULT threads %d: hitnet %d tokens/s, pytorch %d tokens/s, ratio %.2f; " \
             "train %.1f GFLOP/s = %.2f of the best SGEMM (%s, %.1f GFLOP/s)\n", \
             t, a, b, a / b, g, g / s, n, s }'
done
