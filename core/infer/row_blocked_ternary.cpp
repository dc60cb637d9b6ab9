#include "core/infer/row_blocked_ternary.hpp"

namespace hitnet::infer {

RowBlockedTernary RowBlockedTernary::from(const TernaryMatrix& w) {
  RowBlockedTernary b;
  b.rows = w.rows, b.cols = w.cols;
  b.blocks = (w.rows + 7) / 8, b.groups = (w.cols + 2) / 3;
  b.plus.assign(std::size_t(b.blocks) * b.groups, 0);
  b.minus.assign(b.plus.size(), 0);
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.cols; ++c) {
      const std::size_t word = std::size_t(r / 8) * b.groups + std::size_t(c / 3);
      const int bit = 4 * (r % 8) + c % 3;
      b.plus[word] |= uint32_t((w.plus_row(r)[c / 64] >> (c % 64)) & 1) << bit;
      b.minus[word] |= uint32_t((w.minus_row(r)[c / 64] >> (c % 64)) & 1) << bit;
    }
  return b;
}

}  // namespace hitnet::infer
