#include "core/nn/dropout.hpp"

namespace hitnet {

void Dropout::forward(Matrix& x, Rng& rng, bool training) {
  applied_ = training && p_ > 0.0f;
  if (!applied_) return;
  std::bernoulli_distribution keep(1.0 - p_);
  const float scale = 1.0f / (1.0f - p_);
  mask_.resize(x.rows(), x.cols());
  float* m = mask_.data();
  for (Eigen::Index k = 0; k < mask_.size(); ++k) m[k] = keep(rng) ? scale : 0.0f;
  x.array() *= mask_.array();
}

void Dropout::backward(Matrix& d) const {
  if (applied_) d.array() *= mask_.array();
}

}  // namespace hitnet
