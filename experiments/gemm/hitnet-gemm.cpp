// hitnet-gemm: single-precision GEMM speed and accuracy on a model's own shapes, for one GEMM
// backend. Built once per backend from this one file (hitnet-gemm-eigen, -openblas, -blis; see
// experiments/CMakeLists.txt), so that scripts/bench-vs-pytorch.sh can compare them in one run
// and the build can pick the fastest that is right (CMake option HITNET_BLAS).
//   hitnet-gemm-<backend> [--threads T] [--vocab V] [--hidden H] [--tokens N] [--batch B]
//                         [--seconds S] [--tolerance E]
// Prints GFLOP/s and the error against a float64 product per shape; exits 1 when an error is
// above the tolerance. Links no hitnet library: only Eigen (with EIGEN_USE_BLAS for a BLAS
// backend), so each variant's Eigen is configured the same throughout the program.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#if defined(HITNET_GEMM_OPENBLAS)
#include "core/util/blas_kernel.hpp"
extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename();
#elif defined(HITNET_GEMM_BLIS)
extern "C" void bli_thread_set_num_threads(long);
#endif

namespace {

using Matrix = Eigen::MatrixXf;
using MatrixD = Eigen::MatrixXd;
using Clock = std::chrono::steady_clock;

std::string backend_name() {
#if defined(HITNET_GEMM_OPENBLAS)
  // After a restart away from OpenBLAS's generic kernel (core/util/blas_kernel.hpp), both.
  const std::string own = hitnet::openblas_fallback_kernel();
  return std::string("openblas (kernel ") + openblas_get_corename() +
         (own.empty() ? "" : ", restarted away from OpenBLAS's own choice " + own) + ")";
#elif defined(HITNET_GEMM_BLIS)
  return "blis";
#else
  return "eigen";
#endif
}

void set_threads(int threads) {
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
#if defined(HITNET_GEMM_OPENBLAS)
  openblas_set_num_threads(threads);
#elif defined(HITNET_GEMM_BLIS)
  bli_thread_set_num_threads(threads);
#endif
}

// One product of the training step, C (m x n) = op(A) op(B) over an inner dimension k, written
// as the model writes it (core/nn/decoder.cpp, recurrent_layer.cpp, lstm.cpp).
struct Shape {
  const char* name;
  int m, n, k;
  bool a_transposed, b_transposed;
};

struct Result {
  double gflops, error;
};

Result measure(const Shape& s, double seconds) {
  const Matrix a = s.a_transposed ? Matrix::Random(s.k, s.m) : Matrix::Random(s.m, s.k);
  const Matrix b = s.b_transposed ? Matrix::Random(s.n, s.k) : Matrix::Random(s.k, s.n);
  Matrix c(s.m, s.n);
  auto run = [&] {
    if (s.a_transposed && s.b_transposed)
      c.noalias() = a.transpose() * b.transpose();
    else if (s.a_transposed)
      c.noalias() = a.transpose() * b;
    else if (s.b_transposed)
      c.noalias() = a * b.transpose();
    else
      c.noalias() = a * b;
  };
  run();  // warm-up: page in, start the threads
  // Error of each element relative to the sum of the magnitudes of its terms, (|A||B|)_ij: the
  // scale a correct float GEMM's rounding error is proportional to, whatever the signs.
  const MatrixD ad = a.cast<double>(), bd = b.cast<double>();
  const MatrixD exact = [&] {
    MatrixD x = s.a_transposed ? MatrixD(ad.transpose()) : ad;
    MatrixD y = s.b_transposed ? MatrixD(bd.transpose()) : bd;
    return MatrixD(x * y);
  }();
  const MatrixD magnitude = [&] {
    MatrixD x = (s.a_transposed ? MatrixD(ad.transpose()) : ad).cwiseAbs();
    MatrixD y = (s.b_transposed ? MatrixD(bd.transpose()) : bd).cwiseAbs();
    return MatrixD(x * y);
  }();
  const double error =
      ((c.cast<double>() - exact).cwiseAbs().array() / magnitude.array()).maxCoeff();

  const double flops = 2.0 * s.m * s.n * s.k;
  double best = 0.0;
  const auto start = Clock::now();
  do {
    const auto t0 = Clock::now();
    run();
    best = std::max(best, flops / std::chrono::duration<double>(Clock::now() - t0).count() / 1e9);
  } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  return {best, error};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SGEMM GFLOP/s and error against float64 on a recurrent LM's training shapes."};
  int threads = 2, vocab = 10000, hidden = 300, tokens = 700, batch = 20, gates = 4, big = 1024;
  double seconds = 1.0, tolerance = 1e-5;
  app.add_option("--threads", threads, "threads")->check(CLI::PositiveNumber);
  app.add_option("--vocab", vocab, "vocabulary (decoder rows)")->check(CLI::PositiveNumber);
  app.add_option("--hidden", hidden, "hidden = embedding size")->check(CLI::PositiveNumber);
  app.add_option("--tokens", tokens, "tokens per window, bptt x batch")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "batch (the recurrent step's columns)")
      ->check(CLI::PositiveNumber);
  app.add_option("--gates", gates, "gate blocks: 4 LSTM, 3 GRU")->check(CLI::PositiveNumber);
  app.add_option("--square", big, "size of the square reference GEMM")->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "seconds per shape")->check(CLI::PositiveNumber);
  app.add_option("--tolerance", tolerance, "largest error accepted, relative to (|A||B|)_ij")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  set_threads(threads);

  const int g = gates * hidden;
  const std::vector<Shape> shapes = {
      {"decoder forward   W h", vocab, tokens, hidden, false, false},
      {"decoder dW        dY h^T", vocab, hidden, tokens, false, true},
      {"decoder dh        W^T dY", hidden, tokens, vocab, true, false},
      {"input projection  Wx x", g, tokens, hidden, false, false},
      {"recurrent step    Wh h", g, batch, hidden, false, false},
      {"recurrent back    Wh^T d", hidden, batch, g, true, false},
      {"square", big, big, big, false, false},
  };
  std::printf("backend: %s, threads %d\n", backend_name().c_str(), threads);
  std::printf("%-26s %6s %6s %6s %9s %9s\n", "shape", "m", "n", "k", "GFLOP/s", "error");
  bool right = true;
  double model_flops = 0, model_seconds = 0;
  for (const Shape& s : shapes) {
    const Result r = measure(s, seconds);
    std::printf("%-26s %6d %6d %6d %9.1f %9.2e%s\n", s.name, s.m, s.n, s.k, r.gflops, r.error,
                r.error > tolerance ? "  WRONG" : "");
    right = right && r.error <= tolerance;
    if (std::string(s.name) != "square") {
      // Per window: the decoder's three once, the recurrent ones once per time step.
      const double count = s.n == batch ? double(tokens) / batch : 1.0;
      const double flops = count * 2.0 * s.m * s.n * s.k;
      model_flops += flops, model_seconds += flops / (r.gflops * 1e9);
    }
  }
  std::printf("model mix: %.1f GFLOP/s\n", model_flops / model_seconds / 1e9);
  if (!right) std::fprintf(stderr, "hitnet-gemm: error above tolerance %.1e\n", tolerance);
  return right ? 0 : 1;
}
