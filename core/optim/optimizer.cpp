#include "core/optim/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include "core/util/blocks.hpp"

namespace hitnet {

void Sgd::step(Vector& params, const Vector& grads, float lr, float grad_scale) {
  for_each_block(params.size(), [&](Eigen::Index start, Eigen::Index n) {
    auto p = params.segment(start, n);
    const auto g = grads.segment(start, n);
    if (weight_decay_ > 0.0f) p *= 1.0f - lr * weight_decay_;
    if (grad_scale != 1.0f)
      p.noalias() -= lr * (g * grad_scale);
    else
      p.noalias() -= lr * g;
  });
}

Adam::Adam(std::size_t size, float beta1, float beta2, float eps, float weight_decay)
    : beta1_(beta1),
      beta2_(beta2),
      eps_(eps),
      weight_decay_(weight_decay),
      m_(Vector::Zero(static_cast<Eigen::Index>(size))),
      v_(Vector::Zero(static_cast<Eigen::Index>(size))) {}

void Adam::step(Vector& params, const Vector& grads, float lr, float grad_scale) {
  t_ += 1;
  const float c1 = static_cast<float>(1.0 - std::pow(beta1_, t_));
  const float c2 = static_cast<float>(1.0 - std::pow(beta2_, t_));
  for_each_block(params.size(), [&](Eigen::Index start, Eigen::Index n) {
    auto p = params.segment(start, n), m = m_.segment(start, n), v = v_.segment(start, n);
    Vector g = grads.segment(start, n) * grad_scale;
    if (weight_decay_ > 0.0f) g += weight_decay_ * p;
    m = beta1_ * m + (1.0f - beta1_) * g;
    v = beta2_ * v + (1.0f - beta2_) * g.cwiseAbs2();
    p.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + eps_);
  });
}

std::vector<Vector> Adam::state() const {
  Vector t(1);
  t[0] = static_cast<float>(t_);
  return {m_, v_, t};
}

void Adam::set_state(const std::vector<Vector>& state) {
  if (state.size() != 3 || state[0].size() != m_.size() || state[1].size() != v_.size())
    throw std::runtime_error("Adam state does not match the model's parameter count");
  m_ = state[0], v_ = state[1], t_ = state[2][0];
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::size_t size,
                                          float weight_decay, float beta1, float beta2, float eps) {
  if (name == "sgd") return std::make_unique<Sgd>(weight_decay);
  if (name == "adam") return std::make_unique<Adam>(size, beta1, beta2, eps, weight_decay);
  throw std::invalid_argument("unknown optimizer '" + name + "' (expected sgd or adam)");
}

double global_norm(const Vector& grads) {
  // Eigen's vectorised reduction keeps many partial sums, so float accumulation is accurate
  // enough here; a cast to double would copy the whole gradient every batch.
  return std::sqrt(static_cast<double>(grads.squaredNorm()));
}

float clip_factor(double norm, double max_norm) {
  return max_norm > 0.0 && norm > max_norm ? static_cast<float>(max_norm / norm) : 1.0f;
}

}  // namespace hitnet
