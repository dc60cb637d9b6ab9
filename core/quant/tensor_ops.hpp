#pragma once
// Small loops every quantizer needs: per-tensor statistics, the known value range of a domain,
// and the straight-through mask of "gradient passes inside the range". Inline and branch-light
// so the compiler vectorizes them; they run on every time step.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/quant/quantizer.hpp"

namespace hitnet {

// The closed range a domain's values are known to lie in (weights: unbounded).
struct ValueRange {
  float lo, hi;
  bool bounded() const { return std::isfinite(lo) && std::isfinite(hi); }
};

inline ValueRange domain_range(Domain domain) {
  switch (domain) {
    case Domain::kUnit:
      return {0.0f, 1.0f};
    case Domain::kSigned:
      return {-1.0f, 1.0f};
    case Domain::kWeight:
      break;
  }
  constexpr float inf = std::numeric_limits<float>::infinity();
  return {-inf, inf};
}

// Eigen's reductions run in vector lanes (a plain loop may not: the compiler must keep the
// order of floating-point additions).
inline Eigen::Map<const Eigen::ArrayXf> as_array(const float* x, std::size_t n) {
  return {x, static_cast<Eigen::Index>(n)};
}

inline float max_abs(const float* x, std::size_t n) {
  return n ? as_array(x, n).abs().maxCoeff() : 0.0f;
}

inline double mean_abs(const float* x, std::size_t n) {
  return n ? static_cast<double>(as_array(x, n).abs().sum()) / static_cast<double>(n) : 0.0;
}

// A per-tensor statistic (a scale, a threshold) of a tensor holding NaN or ±inf is not one: the
// output is then all NaN, so the loss and the trainer's divergence check see it, never a silent
// tensor of zeros. Returns true when it filled q (which may be x itself).
inline bool fill_nan_unless_finite(const float* x, float* q, std::size_t n) {
  if (as_array(x, n).allFinite()) return false;
  std::fill(q, q + n, std::numeric_limits<float>::quiet_NaN());
  return true;
}

// A quantized value that keeps a NaN input NaN (a comparison would turn it into a level).
inline float keep_nan(float x, float q) {
  return std::isnan(x) ? x : q;
}

// bins[i] = the number of `edges` (ascending) that are <= v[i]: the index std::upper_bound
// gives. Few edges: one vectorized pass per edge, branch-free; many: a binary search each.
inline void bin_by_edges(const float* v, std::size_t n, const std::vector<float>& edges,
                         std::vector<uint32_t>& bins) {
  bins.assign(n, 0);
  if (edges.size() <= 15) {
    for (float e : edges)
      for (std::size_t i = 0; i < n; ++i) bins[i] += v[i] >= e ? 1u : 0u;
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    bins[i] =
        static_cast<uint32_t>(std::upper_bound(edges.begin(), edges.end(), v[i]) - edges.begin());
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
    case Domain::kUnit:
      return "unit";
    case Domain::kSigned:
      return "signed";
    case Domain::kWeight:
      break;
  }
  return "weight";
}

}  // namespace hitnet
