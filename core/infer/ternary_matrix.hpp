#pragma once
// A ternary weight matrix W, T ∈ {-1, 0, +1}^(rows x cols), held as two bit planes: bit c of
// row r is set in `plus` where T(r, c) = +1 and in `minus` where T(r, c) = -1. Two bits per
// weight, and the planes are exactly what the kernels need: with an activation vector in the
// same two planes, the integer dot product of a row is
//   popcount((W+ & x+) | (W- & x-)) - popcount((W+ & x-) | (W- & x+))
// (agreements minus disagreements; the two sets of each side are disjoint).
//
// W(r, c) = α·T(r, c) with the α of the group (r, c) belongs to, as the trainer quantized it
// (core/nn/quantized_tensor.hpp): the rows split into B equal blocks, each with its own α (B = 1:
// one scale for the whole matrix; B = the cell's gates: quant.weight_granularity gate), and in a
// matrix of stacked square blocks (W_hh: rows a multiple of cols) the diagonal entries
// r % cols == c of each block may form a group of their own with a second α
// (quant.recurrent_diagonal apart). The planes hold every code, the diagonal's included.
//
// Each row is padded to whole 64-bit words (`words` = ceil(cols / 64)) so that every row starts
// on a word; padding bits are zero. For a 300-wide row that is 320 bits: 2.13 bits per weight.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hitnet::infer {

struct TernaryMatrix {
  int rows = 0, cols = 0;
  int words = 0;                       // 64-bit words per row of each plane
  std::vector<float> scales = {0.0f};  // α of each block of rows (B >= 1 blocks, rows % B == 0)
  std::vector<float> diagonal_scales;  // empty, or B: α of each block's diagonal r % cols == c
  std::vector<uint64_t> plus, minus;   // rows x words each, row-major

  // From codes in {-1, 0, +1}, row-major (codes[r * cols + c]), with one scale for the matrix,
  // or a scale per block of rows and optionally one per block's diagonal (sizes as above;
  // throws std::invalid_argument when they do not fit the shape).
  static TernaryMatrix from_codes(const int8_t* codes, int rows, int cols, float scale);
  static TernaryMatrix from_codes(const int8_t* codes, int rows, int cols,
                                  std::vector<float> scales,
                                  std::vector<float> diagonal_scales = {});
  static int words_for(int cols) { return (cols + 63) / 64; }
  // Why `blocks` row blocks (each with a diagonal group when `diagonal_apart`) cannot split a
  // rows x cols matrix; "" when they can. One rule for the constructor, validation and reader.
  static std::string grouping_error(int rows, int cols, std::size_t blocks, bool diagonal_apart);

  int code(int r, int c) const;  // T(r, c)
  int block_rows() const { return rows / int(scales.size()); }
  std::size_t block_of(int r) const { return std::size_t(r / block_rows()); }  // r's block
  bool diagonal_apart() const { return !diagonal_scales.empty(); }
  // Whether (r, c) is in its block's diagonal group (only with a diagonal apart).
  bool on_diagonal(int r, int c) const { return diagonal_apart() && r % cols == c; }
  // The α of (r, c)'s group; writable, for the exporter that finds each group's.
  float scale_at(int r, int c) const {
    return (on_diagonal(r, c) ? diagonal_scales : scales)[block_of(r)];
  }
  float& scale_at(int r, int c) {
    return (on_diagonal(r, c) ? diagonal_scales : scales)[block_of(r)];
  }
  float weight(int r, int c) const { return scale_at(r, c) * float(code(r, c)); }  // W(r, c)

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
