#pragma once
// HitNet's sloping factor λ: σ(x/λ) and tanh(x/λ). λ < 1 steepens the curves so that outputs
// crowd towards the saturation points, where Bernoulli ternary quantization adds little noise.
// The derivatives are written in terms of the output y, which is what the layers keep.
#include <cmath>

namespace hitnet {

inline float sloped_sigmoid(float x, float inv_slope) { return 1.0f / (1.0f + std::exp(-x * inv_slope)); }
inline float sloped_tanh(float x, float inv_slope) { return std::tanh(x * inv_slope); }
// d/dx σ(x/λ) = σ(1-σ)/λ ; d/dx tanh(x/λ) = (1-tanh²)/λ
inline float sloped_sigmoid_grad(float y, float inv_slope) { return y * (1.0f - y) * inv_slope; }
inline float sloped_tanh_grad(float y, float inv_slope) { return (1.0f - y * y) * inv_slope; }

}  // namespace hitnet
