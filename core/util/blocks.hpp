#pragma once
// Element-wise passes over the flat parameter vectors (update, clipping scale, zeroing, the
// data-parallel gradient sum) in blocks spread over the OpenMP threads. Each element sees the
// same arithmetic at any thread count, so the results are bit for bit those of one thread; the
// blocks only let two cores share a pass that one core's memory bandwidth would bound.
#include <algorithm>
#include <vector>

#include "core/util/tensor.hpp"

namespace hitnet {

constexpr Eigen::Index kBlock = 1 << 16;  // floats: 256 kB, a core's L2 share

// f(start, length) for consecutive blocks covering [0, size).
template <typename F>
void for_each_block(Eigen::Index size, F f) {
#pragma omp parallel for schedule(static)
  for (Eigen::Index start = 0; start < size; start += kBlock)
    f(start, std::min(kBlock, size - start));
}

// The sum of f(start, length) -> double over the blocks, added in block order: the same value at
// any thread count.
template <typename F>
double sum_over_blocks(Eigen::Index size, F f) {
  std::vector<double> partial(std::size_t((size + kBlock - 1) / kBlock), 0.0);
  for_each_block(size, [&](Eigen::Index start, Eigen::Index n) {
    partial[std::size_t(start / kBlock)] = f(start, n);
  });
  double sum = 0.0;
  for (double x : partial) sum += x;
  return sum;
}

}  // namespace hitnet
