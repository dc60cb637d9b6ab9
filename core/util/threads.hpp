#pragma once
// One thread count for every parallel part of a run: OpenMP's loops, Eigen's own GEMM, and the
// BLAS behind EIGEN_USE_BLAS (OpenBLAS keeps a thread pool of its own, sized to all cores unless
// told). Results depend on the count, never on which of these runs what.

#include <string>

namespace hitnet {

// The thread count a `threads` setting means: itself, or all cores when it is 0 or less.
int resolve_thread_count(int threads);

// Sets and returns the thread count: `threads`, or all cores when it is 0 or less.
// Warns once when OpenBLAS's pthread build is loaded and `threads` > 1 (see blas_thread_model).
int set_thread_count(int threads);

// Who runs the GEMMs' threads: "openmp" (one pool with our loops: Eigen's GEMM, or OpenBLAS's
// OpenMP build), "pthreads" (OpenBLAS's pthread build: a second, spinning pool), "sequential",
// or "blis".
std::string blas_thread_model();

}  // namespace hitnet
