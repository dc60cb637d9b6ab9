#pragma once
// A second layout of a ternary matrix, for the vector kernels' products with float vectors
// (made once per session from the bit planes, never stored in the file): rows in blocks of 8,
// columns in groups of 3. Word (block, group) of each plane holds in its nibble i the plane's
// bits of row 8·block + i at columns 3·group + 0, 1, 2 (bit j of the nibble is column
// 3·group + j; the nibble's top bit is 0). One vector permute (vpermps) then looks up, for 8 rows
// at once, the sum of the input values each row selects from an 8-entry table of the subset
// sums of the group's 3 values: additions only, 8 rows x 3 weights per instruction.
// 1.33 bits per weight and plane (vs 1 in the planes).
#include <cstdint>
#include <vector>

#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

struct RowBlockedTernary {
  int rows = 0, cols = 0;
  int blocks = 0, groups = 0;         // ceil(rows / 8), ceil(cols / 3)
  std::vector<uint32_t> plus, minus;  // blocks x groups each, block-major

  static RowBlockedTernary from(const TernaryMatrix& w);
  const uint32_t* plus_block(int b) const { return plus.data() + std::size_t(b) * groups; }
  const uint32_t* minus_block(int b) const { return minus.data() + std::size_t(b) * groups; }
};

}  // namespace hitnet::infer
