#!/usr/bin/env bash
# Training speed of the paper's model against PyTorch's own training loop for the same model and
# recipe, and against the machine's best SGEMM, all in one run, at 1 and 2 threads (README,
# Performance):
#   scripts/bench-vs-pytorch.sh [BUILD_DIR] [CONFIG]     (defaults: build configs/ptb_lstm_fp.yaml)
#   BENCH_SECONDS (default 8) per measurement, BENCH_REPEATS (default 3) interleaved repeats,
#   BENCH_THREADS (default "1 2") the thread counts.
# Needs the bench-only packages (scripts/bootstrap.sh bench): Debian's python3-torch.
#
# A thread count is a budget of cores for the whole process. PyTorch's intra-op threads do not
# cover the BLAS it calls: Debian's OpenBLAS (pthread) sizes its own pool to every core, so
# "torch.set_num_threads(1)" alone keeps about 1.8 cores busy on 2. Each PyTorch command therefore
# also gets OPENBLAS_NUM_THREADS, and PyTorch is measured at its best within the budget: at N
# threads every split of the N cores between torch's threads and OpenBLAS's pool is tried
# (torch N with OpenBLAS N, torch N with OpenBLAS 1), and the fastest median counts.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for PyTorch's commands alone, so that OpenBLAS
# picks its own best kernel (printed); nothing else changes them. Where OpenBLAS does not know the
# CPU and picks its generic pre-AVX2 kernel, PyTorch gets the kernel hitnet's programs restart
# onto (core/util/blas_kernel.cpp), so that both run the same GEMM kernel at their best.
# The machines here are shared VMs whose speed drifts by 10-20 % within minutes, so every program
# is measured BENCH_REPEATS times, interleaved, and medians are compared. Run on an otherwise idle
# machine: every figure is a rate.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cfg=${2:-configs/ptb_lstm_fp.yaml}
seconds=${BENCH_SECONDS:-8}
repeats=${BENCH_REPEATS:-3}
thread_counts=${BENCH_THREADS:-1 2}
cell=$(sed -n 's/.*cell: *\([a-z]*\).*/\1/p' "$cfg" | head -1)
# A config with ternary weights is HitNet: PyTorch runs its fake-quantized twin (see the script).
quant=$(grep -q 'method: *ttq' "$cfg" && echo hitnet || echo fp)
gates=$([ "$cell" = gru ] && echo 3 || echo 4)

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
torch_env=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
# The kernel OpenBLAS picks by itself for torch's BLAS (libblas.so.3); when hitnet's programs
# restarted away from that very kernel, PyTorch gets the one they run.
torch_kernel=$(env "${torch_env[@]}" /usr/bin/python3 -c 'import ctypes
l = ctypes.CDLL("libblas.so.3"); l.openblas_get_corename.restype = ctypes.c_char_p
print(l.openblas_get_corename().decode())' 2> /dev/null || echo "not OpenBLAS")
if [ -x "$build/bin/hitnet-gemm-openblas" ]; then
  ours=$("$build/bin/hitnet-gemm-openblas" --threads 1 --seconds 0.01 --vocab 100 --hidden 32 --tokens 64 | head -1)
  if [[ "$ours" == *"restarted away from OpenBLAS's own choice $torch_kernel)"* ]]; then
    ours_kernel=$(echo "$ours" | sed -n 's/.*(kernel \([A-Za-z0-9]*\),.*/\1/p')
    echo "PyTorch's OpenBLAS picks its generic kernel $torch_kernel here: it runs with OPENBLAS_CORETYPE=$ours_kernel, as hitnet does"
    torch_env=(-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$ours_kernel")
  fi
fi
pytorch() {  # pytorch TORCH_THREADS BLAS_THREADS: one measurement, tokens/s
  env "${torch_env[@]}" OPENBLAS_NUM_THREADS="$2" /usr/bin/python3 \
    scripts/bench_pytorch_lm.py --threads "$1" --cell "${cell:-lstm}" --seconds "$seconds" --quant "$quant"
}
for threads in $thread_counts; do
  echo "=== $threads thread(s), $cfg"
  best=0 best_name=
  for gemm in "$build"/bin/hitnet-gemm-*; do
    out=$("$gemm" --threads "$threads" --gates "$gates" --seconds 0.5) || {
      echo "$out"; echo "bench-vs-pytorch: $gemm computes wrong results" >&2; exit 1; }
    echo "$out" | sed -n '1p;/^square/p;/^model mix/p'
    square=$(echo "$out" | sed -n 's/^square *[0-9]* *[0-9]* *[0-9]* *\([0-9.]*\).*/\1/p')
    if awk "BEGIN{exit !($square > $best)}"; then best=$square best_name=${gemm##*/}; fi
  done
  splits="$threads"  # OpenBLAS pool sizes to try beside torch's $threads threads
  [ "$threads" -gt 1 ] && splits="$threads 1"
  ours=() gflops=()
  declare -A theirs=()
  for r in $(seq "$repeats"); do
    hitnet=$("$build/bin/hitnet-bench" "$cfg" "threads=$threads" --seconds "$seconds")
    [ "$r" = 1 ] && echo "$hitnet"
    ours+=("$(echo "$hitnet" | sed -n 's/^train: *\([0-9.]*\) tokens.*/\1/p')")
    gflops+=("$(echo "$hitnet" | sed -n 's/^train: *\([0-9.]*\) GFLOP.*/\1/p')")
    # hitnet-bench times a 1024³ SGEMM of its own backend too: the best SGEMM is the best of all
    square=$(echo "$hitnet" | sed -n 's/^gemm 1024x1024x1024: *\([0-9.]*\) GFLOP.*/\1/p')
    if [ -n "$square" ] && awk "BEGIN{exit !($square > $best)}"; then
      best=$square best_name="hitnet-bench's own $(echo "$hitnet" | sed -n 's/.*gemm \([a-z]*\).*/\1/p;q')"
    fi
    echo "hitnet train, repeat $r: ${ours[-1]} tokens/s"
    for blas in $splits; do
      torch=$(pytorch "$threads" "$blas")
      echo "$torch (torch threads $threads, OpenBLAS threads $blas, repeat $r)"
      theirs[$blas]+="$(echo "$torch" | sed -n 's/^pytorch train: *\([0-9.]*\).*/\1/p') "
    done
  done
  ours_median=$(printf '%s\n' "${ours[@]}" | median)
  gflops_median=$(printf '%s\n' "${gflops[@]}" | median)
  theirs_best=0 theirs_split=
  for blas in $splits; do
    m=$(printf '%s\n' ${theirs[$blas]} | median)
    echo "pytorch median, torch threads $threads, OpenBLAS threads $blas: $m tokens/s"
    if awk "BEGIN{exit !($m > $theirs_best)}"; then theirs_best=$m theirs_split=$blas; fi
  done
  unset theirs
  awk -v t="$threads" -v a="$ours_median" -v b="$theirs_best" -v sp="$theirs_split" \
    -v g="$gflops_median" -v s="$best" -v n="$best_name" -v r="$repeats" \
    'BEGIN { printf "RESULT threads %d (medians of %d): hitnet %d tokens/s, pytorch %d tokens/s " \
             "(OpenBLAS threads %d), ratio %.2f; train %.1f GFLOP/s = %.2f of the best SGEMM " \
             "(%s, %.1f GFLOP/s)\n", t, r, a, b, sp, a / b, g, g / s, n, s }'
done
