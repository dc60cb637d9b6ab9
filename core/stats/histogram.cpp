#include "core/stats/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hitnet {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxLevels = 3;

// Distinct values of x if there are at most kMaxLevels of them (found in one early-exit pass).
std::vector<float> few_distinct_values(const float* x, std::size_t n) {
  std::vector<float> levels;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return {};
    if (std::find(levels.begin(), levels.end(), x[i]) != levels.end()) continue;
    if (levels.size() == kMaxLevels) return {};
    levels.push_back(x[i]);
  }
  std::sort(levels.begin(), levels.end());
  return levels;
}

}  // namespace

TensorStats tensor_stats(const float* x, std::size_t n) {
  TensorStats s;
  s.count = n;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  uint64_t zeros = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!std::isfinite(v)) {
      ++s.nonfinite;
      continue;
    }
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    zeros += v == 0.0;
  }
  const uint64_t finite = s.count - s.nonfinite;
  s.frac_zero = n ? double(zeros) / double(n) : 0.0;
  if (finite == 0) {
    s.mean = s.std = s.min = s.max = kNaN;
    return s;
  }
  s.mean = sum / double(finite);
  s.min = lo;
  s.max = hi;
  // Second pass for the variance: the one-pass formula loses precision when |mean| >> std.
  double sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) sq += (x[i] - s.mean) * (x[i] - s.mean);
  }
  s.std = std::sqrt(sq / double(finite));

  const std::vector<float> levels = few_distinct_values(x, n);
  for (float level : levels) {
    s.level_values.push_back(level);
    s.level_fractions.push_back(double(std::count(x, x + n, level)) / double(n));
  }
  return s;
}

Histogram make_histogram(const float* x, std::size_t n, int bins) {
  if (bins < 1) {
    throw std::invalid_argument("make_histogram: bins must be >= 1, got " + std::to_string(bins));
  }
  Histogram h;
  h.stats = tensor_stats(x, n);
  double lo = h.stats.min, hi = h.stats.max;
  if (h.stats.count == h.stats.nonfinite) {
    lo = 0.0, hi = 1.0;
  } else if (lo == hi) {
    lo -= 0.5, hi += 0.5;
  }
  h.edges.resize(std::size_t(bins) + 1);
  const double width = (hi - lo) / bins;
  for (int i = 0; i <= bins; ++i) h.edges[std::size_t(i)] = lo + i * width;
  h.edges.back() = hi;  // exact, so that the maximum lands in the last bin

  h.counts.assign(std::size_t(bins), 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    const auto bin = static_cast<long>(std::floor((x[i] - lo) / width));
    ++h.counts[std::size_t(std::clamp(bin, 0L, long(bins) - 1))];
  }
  return h;
}

}  // namespace hitnet
