#include "experiments/lib/gemm_benchmark.hpp"

#include <algorithm>
#include <chrono>

#include "core/util/tensor.hpp"

namespace hitnet {

double measure_gemm_gflops(int n, double seconds) {
  using Clock = std::chrono::steady_clock;
  const Matrix a = Matrix::Random(n, n), b = Matrix::Random(n, n);
  Matrix c(n, n);
  c.noalias() = a * b;  // warm-up: page in, spin up threads
  const double flops = 2.0 * double(n) * n * n;
  double best = 0.0;
  const auto start = Clock::now();
  do {
    const auto t0 = Clock::now();
    c.noalias() = a * b;
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, flops / dt / 1e9);
  } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  return best;
}

}  // namespace hitnet
