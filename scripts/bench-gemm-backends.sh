#!/usr/bin/env bash
# Builds hitnet-bench against each GEMM backend (Eigen's own; Debian's OpenBLAS and BLIS through
# EIGEN_USE_BLAS) and runs it on the paper's model, so the fastest can be chosen on this machine.
#   scripts/bench-gemm-backends.sh [CONFIG] [key=value ...]
# OPENBLAS_CORETYPE is left as the machine sets it (see README: it changes OpenBLAS's kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=${1:-configs/ptb_lstm_fp.yaml}
shift || true
for backend in eigen openblas blis; do
  dir=build-gemm-$backend
  cmake -S . -B "$dir" -DHITNET_BLAS=$backend -DBUILD_TESTING=OFF > /dev/null
  cmake --build "$dir" -j "$(nproc)" --target hitnet-bench > /dev/null
  echo "== $backend"
  "$dir/bin/hitnet-bench" "$cfg" "$@" --seconds 8 | grep -E "^(train|gemm|ratio)"
done
