#include "core/infer/ternary_matrix.hpp"

#include <algorithm>
#include <stdexcept>

namespace hitnet::infer {

TernaryMatrix TernaryMatrix::from_codes(const int8_t* codes, int rows, int cols, float scale) {
  return from_codes(codes, rows, cols, std::vector<float>{scale});
}

TernaryMatrix TernaryMatrix::from_codes(const int8_t* codes, int rows, int cols,
                                        std::vector<float> scales,
                                        std::vector<float> diagonal_scales) {
  if (rows < 0 || cols < 0) throw std::invalid_argument("TernaryMatrix: negative shape");
  if (const std::string problem =
          grouping_error(rows, cols, scales.size(), !diagonal_scales.empty());
      !problem.empty())
    throw std::invalid_argument("TernaryMatrix: " + problem);
  if (!diagonal_scales.empty() && diagonal_scales.size() != scales.size())
    throw std::invalid_argument("TernaryMatrix: " + std::to_string(diagonal_scales.size()) +
                                " diagonal scales for " + std::to_string(scales.size()) +
                                " row blocks");
  TernaryMatrix m;
  m.rows = rows, m.cols = cols, m.words = words_for(cols);
  m.scales = std::move(scales), m.diagonal_scales = std::move(diagonal_scales);
  m.plus.assign(std::size_t(rows) * m.words, 0);
  m.minus.assign(m.plus.size(), 0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const int8_t v = codes[std::size_t(r) * cols + c];
      if (v < -1 || v > 1)
        throw std::invalid_argument("TernaryMatrix: code " + std::to_string(v) + " at (" +
                                    std::to_string(r) + ", " + std::to_string(c) +
                                    ") is not -1, 0 or +1");
      const uint64_t bit = uint64_t{1} << (c % 64);
      const std::size_t word = std::size_t(r) * m.words + std::size_t(c / 64);
      if (v > 0) m.plus[word] |= bit;
      if (v < 0) m.minus[word] |= bit;
    }
  return m;
}

std::string TernaryMatrix::grouping_error(int rows, int cols, std::size_t blocks,
                                          bool diagonal_apart) {
  const std::string shape = std::to_string(rows) + " x " + std::to_string(cols);
  if (blocks < 1) return "0 row blocks, at least 1 (one scale for the matrix) expected";
  if (std::size_t(rows) % blocks != 0)
    return "the " + shape + " matrix does not split into " + std::to_string(blocks) +
           " equal row blocks";
  // The diagonal r % cols == c of each stacked square block: rows a multiple of cols.
  if (diagonal_apart && (cols < 1 || rows % cols != 0))
    return "a diagonal apart needs stacked square blocks (rows a multiple of columns), the "
           "matrix is " +
           shape;
  return "";
}

int TernaryMatrix::code(int r, int c) const {
  const std::size_t word = std::size_t(r) * words + std::size_t(c / 64);
  const int bit = c % 64;
  return int((plus[word] >> bit) & 1) - int((minus[word] >> bit) & 1);
}

void TernaryPlanes::resize(int count, int words_per_vector) {
  words = words_per_vector;
  plus.assign(std::size_t(count) * words, 0);
  minus.assign(plus.size(), 0);
}

void TernaryPlanes::set(int k, const float* values, int n) {
  uint64_t* p = plus.data() + std::size_t(k) * words;
  uint64_t* m = minus.data() + std::size_t(k) * words;
  for (int w = 0; w < words; ++w) {
    uint64_t pw = 0, mw = 0;
    const int end = std::min(n, (w + 1) * 64);
    for (int j = w * 64; j < end; ++j) {
      pw |= uint64_t(values[j] > 0.0f) << (j % 64);
      mw |= uint64_t(values[j] < 0.0f) << (j % 64);
    }
    p[w] = pw, m[w] = mw;
  }
}

}  // namespace hitnet::infer
