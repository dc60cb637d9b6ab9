// The loss layer on its own: softmax cross-entropy and dL/dlogits in one pass
// (core/nn/softmax_xent.hpp) against a plain double reference, at 1 and 2 threads. The whole
// model's gradients are checked against finite differences in test_gradients.cpp.
#include <omp.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "core/nn/softmax_xent.hpp"

using namespace hitnet;

namespace {

struct Case {
  Matrix logits;
  std::vector<int32_t> targets;
};

Case random_case(int vocab, int n) {
  std::srand(3);
  Case c{Matrix::Random(vocab, n) * 4.0f, {}};
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> token(0, vocab - 1);
  for (int k = 0; k < n; ++k) c.targets.push_back(token(rng));
  return c;
}

// In double, one column at a time, as the textbook writes it.
double reference_loss(const Case& c, Eigen::MatrixXd& d_logits, double grad_scale) {
  double loss = 0.0;
  d_logits.resize(c.logits.rows(), c.logits.cols());
  for (Eigen::Index k = 0; k < c.logits.cols(); ++k) {
    const Eigen::VectorXd z = c.logits.col(k).cast<double>();
    const Eigen::VectorXd p = (z.array() - z.maxCoeff()).exp();
    const double sum = p.sum();
    loss += std::log(sum) + z.maxCoeff() - z(c.targets[k]);
    d_logits.col(k) = grad_scale * p / sum;
    d_logits(c.targets[k], k) -= grad_scale;
  }
  return loss;
}

}  // namespace

TEST_CASE("softmax cross-entropy: the loss and dL/dlogits in one pass", "[loss]") {
  const int threads = GENERATE(1, 2);
  omp_set_num_threads(threads);
  INFO(threads << " threads");
  const int vocab = GENERATE(7, 100), n = 13;
  const Case c = random_case(vocab, n);
  Eigen::MatrixXd d_logits_ref;
  const float grad_scale = 0.5f;
  const double loss_ref = reference_loss(c, d_logits_ref, grad_scale);

  Matrix logits = c.logits;
  const double loss = softmax_cross_entropy(logits, c.targets.data(), grad_scale);
  CHECK(loss == Approx(loss_ref).epsilon(1e-6));
  CHECK((logits.cast<double>() - d_logits_ref).cwiseAbs().maxCoeff() < 1e-6);
  // Evaluation (grad_scale 0) gives the same loss.
  logits = c.logits;
  CHECK(softmax_cross_entropy(logits, c.targets.data(), 0.0f) == loss);
  omp_set_num_threads(omp_get_num_procs());
}
