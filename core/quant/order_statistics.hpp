#pragma once
// Exact order statistics of a tensor (the values at given ranks of its sorted order), without
// sorting it: a histogram pass finds the bucket each rank falls into, and only those buckets'
// values are gathered and selected. Two passes over the data plus selection in a few small
// buckets, where nth_element over the whole tensor costs tens of ns per value.
#include <cstddef>
#include <vector>

namespace hitnet {

// out[j] = the value of rank ranks[j] (0-based, ascending order) among v[0..n). Every rank must
// be < n and every value finite.
void order_statistics(const float* v, std::size_t n, const std::vector<std::size_t>& ranks,
                      std::vector<float>& out);

}  // namespace hitnet
