#include "core/nn/dropout.hpp"

namespace hitnet {

void Dropout::forward(Matrix& x, Rng& rng, const Pass& pass) {
  applied_ = pass.training && p_ > 0.0f;
  if (!applied_) return;
  // Each 64-bit draw gives two 32-bit uniforms: a value is kept when its uniform is at or
  // above p·2^32. Half the generator calls of one draw per value, same distribution.
  const auto threshold = static_cast<uint64_t>(static_cast<double>(p_) * 4294967296.0);
  const float scale = 1.0f / (1.0f - p_);
  mask_.resize(x.rows(), x.cols());
  float* m = mask_.data();
  const Eigen::Index n = mask_.size();
  for (Eigen::Index k = 0; k < n; k += 2) {
    const uint64_t r = rng();
    m[k] = (r & 0xffffffffu) >= threshold ? scale : 0.0f;
    if (k + 1 < n) m[k + 1] = (r >> 32) >= threshold ? scale : 0.0f;
  }
  x.array() *= mask_.array();
}

void Dropout::backward(Matrix& d) const {
  if (applied_) d.array() *= mask_.array();
}

}  // namespace hitnet
