#pragma once
// Small random packed models for the inference tests: every weight kind (ternary ones with one
// scale, a scale per gate block, W_hh's diagonal apart), every activation placement, LSTM and
// GRU, tied or not, without any training.
#include <random>
#include <string>

#include "core/infer/packed_model.hpp"

namespace hitnet::infer::test {

struct Scheme {
  Cell cell = Cell::kLstm;
  int layers = 1;
  int vocab = 23, embedding = 16, hidden = 16;
  bool tied = false;
  bool ternary_ih = true, ternary_hh = true;
  int row_blocks = 1;           // ternary W_ih, W_hh: a scale per block of rows (1 or gates)
  bool diagonal_apart = false;  // ternary W_hh: its blocks' diagonals with scales of their own
  uint32_t btq = 0;             // placements rounded (bit k = placement k)
  uint32_t ternary_unit = 0;    // of those, sigmoid outputs with levels {0, 1/2, 1}
  float sigmoid_slope = 0.5f, tanh_slope = 0.5f;
};

// Every placement of the cell quantized (the HitNet scheme with h ternary).
inline uint32_t all_placements(Cell cell) {
  return (1u << placement_names(cell).size()) - 1;
}

inline std::vector<float> random_floats(std::size_t n, float range, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-range, range);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// `blocks` scales in [0.1, 0.6), and with `diagonal_apart` as many larger diagonal ones (a
// strong self-connection, as the trained GRU's W_hh has).
inline TernaryMatrix random_ternary(int rows, int cols, std::mt19937_64& rng, int blocks = 1,
                                    bool diagonal_apart = false) {
  std::uniform_int_distribution<int> code(-1, 1);
  std::vector<int8_t> codes(std::size_t(rows) * cols);
  for (auto& c : codes) c = int8_t(code(rng));
  std::uniform_real_distribution<float> scale(0.1f, 0.6f), diagonal_scale(0.6f, 2.0f);
  std::vector<float> scales, diagonal_scales;
  for (int k = 0; k < blocks; ++k) scales.push_back(scale(rng));
  if (diagonal_apart)
    for (int k = 0; k < blocks; ++k) diagonal_scales.push_back(diagonal_scale(rng));
  return TernaryMatrix::from_codes(codes.data(), rows, cols, std::move(scales),
                                   std::move(diagonal_scales));
}

inline WeightMatrix random_weight(bool ternary, int rows, int cols, std::mt19937_64& rng,
                                  int blocks = 1, bool diagonal_apart = false) {
  if (ternary) return random_ternary(rows, cols, rng, blocks, diagonal_apart);
  return FloatMatrix{rows, cols, random_floats(std::size_t(rows) * cols, 0.5f, rng)};
}

inline PackedModel random_model(const Scheme& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  PackedModel m;
  m.cell = s.cell;
  m.vocab = s.vocab, m.embedding = s.embedding, m.hidden = s.hidden;
  m.tied = s.tied;
  const int rows = m.gates() * s.hidden;
  for (int l = 0; l < s.layers; ++l) {
    PackedLayer layer;
    layer.w_ih =
        random_weight(s.ternary_ih, rows, l == 0 ? s.embedding : s.hidden, rng, s.row_blocks);
    layer.w_hh = random_weight(s.ternary_hh, rows, s.hidden, rng, s.row_blocks, s.diagonal_apart);
    layer.bias_ih = random_floats(std::size_t(rows), 0.3f, rng);
    if (s.cell == Cell::kGru) layer.bias_hh = random_floats(std::size_t(rows), 0.3f, rng);
    layer.btq = s.btq;
    layer.ternary_unit = s.ternary_unit;
    layer.sigmoid_slope = s.sigmoid_slope, layer.tanh_slope = s.tanh_slope;
    m.layers.push_back(std::move(layer));
  }
  m.embedding_table = {s.vocab, s.embedding,
                       random_floats(std::size_t(s.vocab) * s.embedding, 1.0f, rng)};
  if (!s.tied)
    m.decoder_weight = {s.vocab, s.hidden,
                        random_floats(std::size_t(s.vocab) * s.hidden, 1.0f, rng)};
  m.decoder_bias = random_floats(std::size_t(s.vocab), 0.5f, rng);
  for (int k = 0; k < s.vocab; ++k) m.words.push_back("w" + std::to_string(k));
  m.metadata = {{"config", "name: random\n"}, {"source", "tests/infer"}};
  return m;
}

}  // namespace hitnet::infer::test
