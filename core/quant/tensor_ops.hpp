#pragma once
// Small loops every quantizer needs: per-tensor statistics, the known value range of a domain,
// and the straight-through mask of "gradient passes inside the range". Inline and branch-light
// so the compiler vectorizes them; they run on every time step.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "core/quant/quantizer.hpp"

namespace hitnet {

// The closed range a domain's values are known to lie in (weights: unbounded).
struct ValueRange {
  float lo, hi;
  bool bounded() const { return std::isfinite(lo) && std::isfinite(hi); }
};

inline ValueRange domain_range(Domain domain) {
  switch (domain) {
    case Domain::kUnit: return {0.0f, 1.0f};
    case Domain::kSigned: return {-1.0f, 1.0f};
    case Domain::kWeight: break;
  }
  constexpr float inf = std::numeric_limits<float>::infinity();
  return {-inf, inf};
}

inline float max_abs(const float* x, std::size_t n) {
  float m = 0.0f;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(x[i]));
  return m;
}

// Accumulated in double: a 1200x300 tensor loses digits in a float sum.
inline double mean_abs(const float* x, std::size_t n) {
  if (n == 0) return 0.0;
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += std::abs(x[i]);
  return s / static_cast<double>(n);
}

// mask[i] = 1 if lo <= x[i] <= hi else 0; all ones when clipping is off or the range is
// unbounded. A null mask is skipped (the caller does not need gradients).
inline void write_range_mask(const float* x, float* mask, std::size_t n, ValueRange range,
                             bool clip) {
  if (!mask) return;
  if (!clip || !range.bounded()) {
    std::fill(mask, mask + n, 1.0f);
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    mask[i] = (x[i] >= range.lo && x[i] <= range.hi) ? 1.0f : 0.0f;
}

// The straight-through mask of quantizers whose clip range is the domain's known range (none
// for weights, whose scale follows the tensor).
inline void write_domain_mask(const float* x, float* mask, std::size_t n, Domain domain,
                              bool clip) {
  write_range_mask(x, mask, n, domain_range(domain), clip);
}

inline const char* domain_name(Domain domain) {
  switch (domain) {
    case Domain::kUnit: return "unit";
    case Domain::kSigned: return "signed";
    case Domain::kWeight: break;
  }
  return "weight";
}

}  // namespace hitnet
