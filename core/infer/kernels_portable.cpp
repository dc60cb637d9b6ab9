// The portable kernels: plain C++ any compiler and CPU runs.
#include <vector>

#include "core/infer/kernel_variants.hpp"

namespace hitnet::infer {
namespace {

// Table lookups instead of per-weight work: for every group of 8 columns, the 256 sums of the
// subsets of its 8 input values are tabulated once per vector (255 additions); then each row
// adds the entry its +1 plane's byte selects and subtracts the entry its -1 plane's byte
// selects, 2 lookups per 8 weights (about 2x faster than masking every weight with AVX2 lane
// masks, measured at 1200 x 300).
void ternary_times_float(const TernaryMatrix& w, const RowBlockedTernary*, const float* x,
                         int batch, float* out) {
  const int groups = (w.cols + 7) / 8;
  thread_local std::vector<float> sums;  // groups x 256, reused across calls
  sums.resize(std::size_t(groups) * 256);
  for (int b = 0; b < batch; ++b) {
    const float* xb = x + std::size_t(b) * w.cols;
    for (int g = 0; g < groups; ++g) {
      float values[8] = {};  // the last group's columns past the end count as 0
      for (int j = 0; j < 8 && 8 * g + j < w.cols; ++j) values[j] = xb[8 * g + j];
      // Doubling: the subsets with bit j are those without it plus value j. Each inner loop is
      // independent additions (vectorized), not a chain through the table.
      float* table = sums.data() + std::size_t(g) * 256;
      table[0] = 0.0f;
      for (int j = 0; j < 8; ++j)
        for (int m = 0; m < (1 << j); ++m) table[m + (1 << j)] = table[m] + values[j];
    }
    for (int r = 0; r < w.rows; ++r) {
      // Byte g of a row's plane holds columns 8g .. 8g+7 (little-endian words).
      const auto* plus = reinterpret_cast<const unsigned char*>(w.plus_row(r));
      const auto* minus = reinterpret_cast<const unsigned char*>(w.minus_row(r));
      const float* table = sums.data();
      float p0 = 0.0f, p1 = 0.0f, m0 = 0.0f, m1 = 0.0f;  // independent sums, no waiting
      int g = 0;
      for (; g + 2 <= groups; g += 2, table += 512) {
        p0 += table[plus[g]], m0 += table[minus[g]];
        p1 += table[256 + plus[g + 1]], m1 += table[256 + minus[g + 1]];
      }
      if (g < groups) p0 += table[plus[g]], m0 += table[minus[g]];
      out[std::size_t(b) * w.rows + r] = (p0 + p1) - (m0 + m1);
    }
  }
}

}  // namespace

const KernelVariant* portable_kernels() {
  static const KernelVariant variant{scalar_ternary_times_ternary, ternary_times_float};
  return &variant;
}

}  // namespace hitnet::infer
