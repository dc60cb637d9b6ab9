#include "core/nn/softmax_xent.hpp"

#include <cmath>
#include <vector>

namespace hitnet {

double softmax_cross_entropy(Matrix& logits, const int32_t* targets, float grad_scale) {
  const Eigen::Index n = logits.cols();
  std::vector<double> nll(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static)
  for (Eigen::Index k = 0; k < n; ++k) {
    auto z = logits.col(k);
    const float max = z.maxCoeff();
    const float target_logit = z(targets[k]);
    z.array() = (z.array() - max).exp();
    const float sum = z.sum();
    nll[static_cast<std::size_t>(k)] = std::log(static_cast<double>(sum)) - (target_logit - max);
    if (grad_scale != 0.0f) {
      z *= grad_scale / sum;
      z(targets[k]) -= grad_scale;
    }
  }
  double total = 0.0;
  for (double v : nll) total += v;
  return total;
}

}  // namespace hitnet
