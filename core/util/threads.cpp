#include "core/util/threads.hpp"

#include <omp.h>

#include <Eigen/Core>

#ifdef HITNET_OPENBLAS
extern "C" void openblas_set_num_threads(int);  // OpenBLAS's cblas.h, without its C prototypes
#endif

namespace hitnet {

int set_thread_count(int threads) {
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
#ifdef HITNET_OPENBLAS
  openblas_set_num_threads(threads);
#endif
  return threads;
}

}  // namespace hitnet
