#pragma once
// The sloped nonlinearities of HitNet, σ(a/λ) and tanh(a/λ) (λ passed as its inverse), and their
// derivatives written from the outputs s, as every cell's forward and backward use them.
#include "core/util/tensor.hpp"

namespace hitnet {

// out = σ(a / λ)
template <class In, class Out>
void sloped_sigmoid(const In& a, float inv_slope, Out&& out) {
  out = ((-inv_slope * a.array()).exp() + 1.0f).inverse();
}

// out = tanh(a / λ)
template <class In, class Out>
void sloped_tanh(const In& a, float inv_slope, Out&& out) {
  out = (inv_slope * a.array()).tanh();
}

// d *= dσ(a/λ)/da = s(1 - s)/λ, for s = σ(a/λ)
template <class D, class S>
void times_sloped_sigmoid_grad(D&& d, const S& s, float inv_slope) {
  d.array() *= s.array() * (1.0f - s.array()) * inv_slope;
}

// d *= dtanh(a/λ)/da = (1 - s²)/λ, for s = tanh(a/λ)
template <class D, class S>
void times_sloped_tanh_grad(D&& d, const S& s, float inv_slope) {
  d.array() *= (1.0f - s.array().square()) * inv_slope;
}

}  // namespace hitnet
