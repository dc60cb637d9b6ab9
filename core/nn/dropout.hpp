#pragma once
// Inverted dropout: in training, keep each value with probability 1-p and scale it by 1/(1-p);
// in evaluation, identity. Used on non-recurrent connections only (Zaremba et al. 2014).
#include "core/quant/pass.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

class Dropout {
 public:
  explicit Dropout(float p) : p_(p) {}
  void forward(Matrix& x, Rng& rng, const Pass& pass);  // in place
  void backward(Matrix& d) const;                       // in place
  float rate() const { return p_; }

 private:
  float p_;
  bool applied_ = false;
  Matrix mask_;
};

}  // namespace hitnet
