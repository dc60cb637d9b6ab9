#pragma once
// Optimizers update the flat parameter vector from the flat gradient vector.
#include <memory>
#include <string>
#include <vector>

#include "core/util/tensor.hpp"

namespace hitnet {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update from grads · grad_scale: the clipping factor is applied as the gradient is read,
  // which spares a pass over the whole gradient that would scale it in place first.
  virtual void step(Vector& params, const Vector& grads, float lr, float grad_scale) = 0;
  // Everything needed to continue (moment estimates, step count), for checkpoints.
  virtual std::vector<Vector> state() const = 0;
  virtual void set_state(const std::vector<Vector>& state) = 0;
};

// Plain SGD with optional L2 weight decay.
class Sgd : public Optimizer {
 public:
  explicit Sgd(float weight_decay) : weight_decay_(weight_decay) {}
  void step(Vector& params, const Vector& grads, float lr, float grad_scale) override;
  std::vector<Vector> state() const override { return {}; }
  void set_state(const std::vector<Vector>&) override {}

 private:
  float weight_decay_;
};

// Adam (Kingma & Ba 2015) with bias correction; weight decay added to the gradient (L2).
class Adam : public Optimizer {
 public:
  Adam(std::size_t size, float beta1, float beta2, float eps, float weight_decay);
  void step(Vector& params, const Vector& grads, float lr, float grad_scale) override;
  std::vector<Vector> state() const override;
  void set_state(const std::vector<Vector>& state) override;

 private:
  float beta1_, beta2_, eps_, weight_decay_;
  Vector m_, v_;
  double t_ = 0;
};

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::size_t size,
                                          float weight_decay, float beta1, float beta2, float eps);

// The global L2 norm of a gradient.
double global_norm(const Vector& grads);
// The factor that brings a gradient of global norm `norm` to at most max_norm (0 = no clipping):
// max_norm / norm above it, else 1. Optimizer::step applies it.
float clip_factor(double norm, double max_norm);

}  // namespace hitnet
