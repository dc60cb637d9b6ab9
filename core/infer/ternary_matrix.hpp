#pragma once
// A ternary weight matrix W = α·T, T ∈ {-1, 0, +1}^(rows x cols), held as two bit planes: bit c
// of row r is set in `plus` where T(r, c) = +1 and in `minus` where T(r, c) = -1. Two bits per
// weight, and the planes are exactly what the kernels need: with an activation vector in the
// same two planes, the integer dot product of a row is
//   popcount((W+ & x+) | (W- & x-)) - popcount((W+ & x-) | (W- & x+))
// (agreements minus disagreements; the two sets of each side are disjoint).
//
// Each row is padded to whole 64-bit words (`words` = ceil(cols / 64)) so that every row starts
// on a word; padding bits are zero. For a 300-wide row that is 320 bits: 2.13 bits per weight.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hitnet::infer {

struct TernaryMatrix {
  int rows = 0, cols = 0;
  int words = 0;                      // 64-bit words per row of each plane
  float scale = 0.0f;                 // α
  std::vector<uint64_t> plus, minus;  // rows x words each, row-major

  // From codes in {-1, 0, +1}, row-major (codes[r * cols + c]).
  static TernaryMatrix from_codes(const int8_t* codes, int rows, int cols, float scale);
  static int words_for(int cols) { return (cols + 63) / 64; }

  int code(int r, int c) const;  // T(r, c)
  const uint64_t* plus_row(int r) const { return plus.data() + std::size_t(r) * words; }
  const uint64_t* minus_row(int r) const { return minus.data() + std::size_t(r) * words; }
  std::size_t plane_bytes() const { return plus.size() * sizeof(uint64_t); }  // one plane
  bool operator==(const TernaryMatrix&) const = default;
};

// The two planes of ternary activation vectors, `count` vectors of `words` words each (vector k
// at k * words): what the ternary x ternary kernel takes as its right-hand side.
struct TernaryPlanes {
  int words = 0;
  std::vector<uint64_t> plus, minus;

  void resize(int count, int words_per_vector);
  // Vector k from `n` values that are each exactly -1, 0 or +1 (a ternary hidden state).
  void set(int k, const float* values, int n);
  const uint64_t* plus_of(int k) const { return plus.data() + std::size_t(k) * words; }
  const uint64_t* minus_of(int k) const { return minus.data() + std::size_t(k) * words; }
};

}  // namespace hitnet::infer
