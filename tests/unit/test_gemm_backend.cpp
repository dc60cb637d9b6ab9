// The GEMM backend this build uses (HITNET_BLAS: Eigen's own, or OpenBLAS/BLIS behind
// EIGEN_USE_BLAS) computes the model's products right, under whatever environment the tests run
// in (some machines preset OPENBLAS_CORETYPE; the tests never change it): every element within
// a few float roundings of the float64 product, at 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "core/util/blas_kernel.hpp"
#include "core/util/tensor.hpp"
#include "core/util/threads.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;

namespace {

// Largest error of float C = A B over the elements, relative to (|A||B|)_ij: the scale that
// bounds a correct float GEMM's rounding error (about k * 6e-8 at worst, far less in practice).
double relative_error(const Matrix& a, const Matrix& b, const Matrix& c) {
  const Eigen::MatrixXd ad = a.cast<double>(), bd = b.cast<double>();
  const Eigen::MatrixXd exact = ad * bd, scale = ad.cwiseAbs() * bd.cwiseAbs();
  return ((c.cast<double>() - exact).cwiseAbs().array() / scale.array()).maxCoeff();
}

}  // namespace

TEST_CASE("the build's GEMM backend computes the model's shapes within float rounding", "[gemm]") {
  INFO("backend " << kGemmBackend);
  const int threads = GENERATE(1, 2);
  set_thread_count(threads);
  INFO(threads << " threads");
  // Decoder forward, its weight gradient and input gradient, the LSTM's input projection, and
  // the recurrent step: a small PTB model's shapes (vocab 2000, hidden 200, 20 x 20 tokens).
  struct Shape {
    int m, n, k;
  };
  const auto shape = GENERATE(Shape{2000, 400, 200}, Shape{2000, 200, 400}, Shape{200, 400, 2000},
                              Shape{800, 400, 200}, Shape{800, 20, 200});
  INFO(shape.m << " x " << shape.n << " x " << shape.k);
  std::srand(7);
  const Matrix a = Matrix::Random(shape.m, shape.k), b = Matrix::Random(shape.k, shape.n);
  Matrix c(shape.m, shape.n);
  c.noalias() = a * b;
  CHECK(relative_error(a, b, c) < 1e-5);
  // Transposed operands take other kernels (the decoder's backward).
  const Matrix at = a.transpose();
  c.noalias() = at.transpose() * b;
  CHECK(relative_error(a, b, c) < 1e-5);
  // A wrong element is caught: one off by 1 is far above any rounding (its scale is at most k).
  c(shape.m / 2, shape.n / 2) += 1.0f;
  CHECK(relative_error(a, b, c) > 1e-5);
  set_thread_count(0);
}

// OpenBLAS's pthread build keeps a second thread pool that spins after every GEMM and fights the
// OpenMP threads of our element-wise loops: a small model at 2 threads ran 4.6x slower than at 1.
// The build links OpenBLAS's OpenMP build (CMakeLists.txt), so the GEMMs share our OpenMP pool.
TEST_CASE("the GEMMs run on the OpenMP thread pool, not a second spinning one", "[gemm]") {
  CHECK(blas_thread_model() != "pthreads");
}

// OpenBLAS 0.3.21 does not know CPUs newer than itself and falls back to its SSE3 "Prescott"
// kernel (8x slower here); core/util/blas_kernel.cpp restarts the program onto the kernel for
// what the CPU has, unless OPENBLAS_CORETYPE is preset.
TEST_CASE("a generic OpenBLAS kernel is replaced by the one for the CPU's instruction set",
          "[gemm]") {
  CHECK(std::string(better_openblas_kernel("Prescott", true, true)) == "SkylakeX");
  CHECK(std::string(better_openblas_kernel("Prescott", true, false)) == "Haswell");
  CHECK(std::string(better_openblas_kernel("Sandybridge", true, false)) == "Haswell");
  CHECK(better_openblas_kernel("Prescott", false, false) == nullptr);  // nothing better runs
  // A kernel OpenBLAS chose for a CPU it knows stands.
  CHECK(better_openblas_kernel("Zen", true, false) == nullptr);
  CHECK(better_openblas_kernel("Haswell", true, true) == nullptr);
  CHECK(better_openblas_kernel("Cooperlake", true, true) == nullptr);
}

TEST_CASE("this process runs no pre-AVX2 GEMM kernel on a CPU with AVX2", "[gemm]") {
  const std::string kernel = gemm_kernel();
  INFO(
      "kernel " << kernel << ", OPENBLAS_CORETYPE "
                << (std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "unset"));
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // A preset OPENBLAS_CORETYPE is the machine's choice and is kept, whatever it names; one this
  // process set itself (restarting away from `openblas_fallback_kernel()`) is checked.
  const bool preset =
      std::getenv("OPENBLAS_CORETYPE") != nullptr && openblas_fallback_kernel().empty();
  INFO("OpenBLAS's own choice " << openblas_fallback_kernel());
  if (avx2 && !preset) CHECK(better_openblas_kernel(kernel, true, true) == nullptr);
}
