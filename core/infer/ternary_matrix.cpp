#include "core/infer/ternary_matrix.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hitnet::infer {

TernaryMatrix TernaryMatrix::from_codes(const int8_t* codes, int rows, int cols, float scale) {
  if (rows < 0 || cols < 0) throw std::invalid_argument("TernaryMatrix: negative shape");
  TernaryMatrix m;
  m.rows = rows, m.cols = cols, m.words = words_for(cols), m.scale = scale;
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
