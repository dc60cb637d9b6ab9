#include "core/quant/order_statistics.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>

namespace hitnet {

void order_statistics(const float* v, std::size_t n, const std::vector<std::size_t>& ranks,
                      std::vector<float>& out) {
  out.resize(ranks.size());
  if (ranks.empty()) return;
  const Eigen::Map<const Eigen::ArrayXf> values(v, static_cast<Eigen::Index>(n));
  const float lo = values.minCoeff(), hi = values.maxCoeff();
  if (!(hi > lo)) {  // one distinct value
    std::fill(out.begin(), out.end(), lo);
    return;
  }
  // Buckets of equal width over [lo, hi]. The bucket index is monotonic in the value (a
  // subtraction and a positive scaling keep the order under rounding), so bucket b holds
  // exactly the ranks cumulative[b] .. cumulative[b+1]-1.
  constexpr std::size_t kBuckets = 4096;
  const float per_unit = static_cast<float>(kBuckets) / (hi - lo);
  constexpr float kLast = static_cast<float>(kBuckets - 1);
  auto bucket = [&](float x) {
    const float t = (x - lo) * per_unit;
    return static_cast<std::size_t>(t > 0.0f ? std::min(t, kLast) : 0.0f);
  };

  thread_local std::vector<std::size_t> start, gathered_start;
  thread_local std::vector<int32_t> slot;  // bucket -> index among the needed buckets, or -1
  thread_local std::vector<float> gathered;
  start.assign(kBuckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[bucket(v[i]) + 1];
  for (std::size_t b = 0; b < kBuckets; ++b) start[b + 1] += start[b];

  // The buckets the ranks fall into, in ascending order (ranks are sorted).
  slot.assign(kBuckets, -1);
  thread_local std::vector<std::size_t> needed, fill;
  needed.clear();
  for (std::size_t r : ranks) {
    const auto b = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), r) -
                                            start.begin() - 1);
    if (slot[b] < 0) slot[b] = static_cast<int32_t>(needed.size()), needed.push_back(b);
  }
  gathered_start.assign(needed.size() + 1, 0);
  for (std::size_t k = 0; k < needed.size(); ++k)
    gathered_start[k + 1] = gathered_start[k] + (start[needed[k] + 1] - start[needed[k]]);
  gathered.resize(gathered_start.back());
  fill.assign(gathered_start.begin(), gathered_start.end() - 1);
  for (std::size_t i = 0; i < n; ++i)
    if (const int32_t s = slot[bucket(v[i])]; s >= 0) gathered[fill[s]++] = v[i];

  for (std::size_t j = 0; j < ranks.size(); ++j) {
    const std::size_t b = static_cast<std::size_t>(
        std::upper_bound(start.begin(), start.end(), ranks[j]) - start.begin() - 1);
    const auto s = static_cast<std::size_t>(slot[b]);
    const auto first = gathered.begin() + static_cast<std::ptrdiff_t>(gathered_start[s]);
    const auto last = gathered.begin() + static_cast<std::ptrdiff_t>(gathered_start[s + 1]);
    const auto nth = first + static_cast<std::ptrdiff_t>(ranks[j] - start[b]);
    std::nth_element(first, nth, last);
    out[j] = *nth;
  }
}

}  // namespace hitnet
