#pragma once
// One thread count for every parallel part of a run: OpenMP's loops, Eigen's own GEMM, and the
// BLAS behind EIGEN_USE_BLAS (OpenBLAS keeps a thread pool of its own, sized to all cores unless
// told). Results depend on the count, never on which of these runs what.

namespace hitnet {

// Sets and returns the thread count: `threads`, or all cores when it is 0 or less.
int set_thread_count(int threads);

}  // namespace hitnet
