#include "core/util/threads.hpp"

#include <omp.h>

#include <Eigen/Core>
#include <string>

#ifdef HITNET_OPENBLAS
#include <iostream>

extern "C" {  // OpenBLAS's cblas.h, without its C prototypes
void openblas_set_num_threads(int);
int openblas_get_parallel();  // 0 sequential, 1 pthreads, 2 OpenMP
}
#endif

namespace hitnet {

int resolve_thread_count(int threads) {
  return threads > 0 ? threads : omp_get_num_procs();
}

int set_thread_count(int threads) {
  threads = resolve_thread_count(threads);
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
#ifdef HITNET_OPENBLAS
  openblas_set_num_threads(threads);
  static bool warned = false;
  if (threads > 1 && blas_thread_model() == "pthreads" && !warned) {
    warned = true;
    std::cerr << "warning: OpenBLAS's pthread build is loaded: its spinning thread pool fights "
                 "the OpenMP threads, so runs at more than one thread are slow (rebuild with "
                 "Debian's libopenblas-openmp-dev installed)\n";
  }
#endif
  return threads;
}

std::string blas_thread_model() {
#ifdef HITNET_OPENBLAS
  switch (openblas_get_parallel()) {
    case 0:
      return "sequential";
    case 1:
      return "pthreads";
    case 2:
      return "openmp";
    default:
      return "unknown";
  }
#elif defined(EIGEN_USE_BLAS)
  return "blis";  // BLIS's threading is its build's: not asked
#else
  return "openmp";  // Eigen's own GEMM runs on the OpenMP threads
#endif
}

}  // namespace hitnet
