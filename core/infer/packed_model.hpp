#pragma once
// A trained language model as the inference library runs it: embedding -> N x (LSTM | GRU) ->
// linear decoder -> log-softmax, with each recurrent weight matrix either ternary (TTQ, two bit
// planes and a scale per group of weights) or full precision, and each activation placement either
// full precision or BTQ rounded to its nearest level (the trainer's deterministic evaluation; a
// sigmoid output to {0, 1}, or to {0, 1/2, 1} where trained with unit_levels: ternary). The
// equations are the training code's (core/nn/lstm.hpp, core/nn/gru.hpp); docs/packed-format.md has
// the file.
//
// Plain data: hitnet-export fills one from a run, packed_format.hpp writes and reads it, a
// Session (session.hpp) runs it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

enum class Cell : uint8_t { kLstm = 0, kGru = 1 };

// Activation placements of a layer, named as the trainer's quant.gates.<name>; placement k is
// bit k of PackedLayer::btq.
enum LstmPlacement { kLstmI, kLstmF, kLstmO, kLstmG, kLstmC, kLstmCell, kLstmH, kLstmPlacements };
enum GruPlacement { kGruR, kGruZ, kGruN, kGruH, kGruPlacements };
// "i f o g c cell h" (LSTM: gates, tanh of the cell, the cell state, the output) or "r z n h".
const std::vector<std::string>& placement_names(Cell cell);
const char* cell_name(Cell cell);        // "lstm" | "gru"
uint32_t sigmoid_placements(Cell cell);  // bit k set: placement k is a sigmoid output

struct FloatMatrix {
  int rows = 0, cols = 0;
  std::vector<float> values;  // row-major
  const float* row(int r) const { return values.data() + std::size_t(r) * cols; }
  bool operator==(const FloatMatrix&) const = default;
};

// A recurrent weight matrix: ternary (TTQ) or full precision.
using WeightMatrix = std::variant<FloatMatrix, TernaryMatrix>;
inline bool is_ternary(const WeightMatrix& w) {
  return std::holds_alternative<TernaryMatrix>(w);
}
int rows_of(const WeightMatrix& w);
int cols_of(const WeightMatrix& w);
std::size_t bytes_of(const WeightMatrix& w);  // as stored: planes and scales, or float32 values

struct PackedLayer {
  WeightMatrix w_ih, w_hh;     // (gates·H x input), (gates·H x H); gates stacked as in training
  std::vector<float> bias_ih;  // LSTM: its one bias (4H); GRU: b_ih (3H)
  std::vector<float> bias_hh;  // GRU: b_hh (3H); empty for LSTM
  uint32_t btq = 0;            // bit k set: placement k is BTQ, rounded to its nearest level
  uint32_t ternary_unit = 0;   // bit k set: BTQ sigmoid placement k has levels {0, 1/2, 1}
  float sigmoid_slope = 1.0f;  // λσ in σ(x / λσ)
  float tanh_slope = 1.0f;     // λtanh in tanh(x / λtanh)
  bool quantized(int placement) const { return (btq >> placement) & 1u; }
  bool half_levels(int placement) const { return (ternary_unit >> placement) & 1u; }
  // A BTQ sigmoid output in {0, 1}: what keeps products with it in {-1, 0, 1}.
  bool binary(int placement) const { return quantized(placement) && !half_levels(placement); }
  bool operator==(const PackedLayer&) const = default;
};

struct PackedModel {
  Cell cell = Cell::kLstm;
  int vocab = 0, embedding = 0, hidden = 0;
  bool tied = false;  // the decoder's weight is the embedding table
  std::vector<PackedLayer> layers;
  FloatMatrix embedding_table;                                // vocab x embedding, one row per word
  FloatMatrix decoder_weight;                                 // vocab x hidden; empty when tied
  std::vector<float> decoder_bias;                            // vocab
  std::vector<std::string> words;                             // the vocabulary in id order
  std::vector<std::pair<std::string, std::string>> metadata;  // provenance (config, run, ...)

  int gates() const { return cell == Cell::kLstm ? 4 : 3; }
  const FloatMatrix& decoder() const { return tied ? embedding_table : decoder_weight; }
  // Whether layer l's output is exactly -1, 0 or +1 at every step from the zero state, so that
  // products with it are ternary x ternary. LSTM: h = Qh(o ⊙ Qc(tanh c)) is ternary when h is
  // BTQ, or when o ∈ {0, 1} and tanh(c) is BTQ. GRU: h = Qh((1 - z) ⊙ n + z ⊙ h_prev) is ternary
  // when h is BTQ, or when z ∈ {0, 1} and n ∈ {-1, 0, 1} (then by induction from h = 0). A gate
  // with levels {0, 1/2, 1} makes halves, so only a BTQ h is ternary then.
  bool hidden_ternary(int layer) const;
  bool input_ternary(int layer) const { return layer > 0 && hidden_ternary(layer - 1); }
  // The value of a metadata key, or "" when absent.
  std::string metadata_value(const std::string& key) const;

  // Every shape and size consistent with the header fields; throws std::invalid_argument naming
  // the first tensor or field that is not.
  void validate() const;

  std::size_t recurrent_weight_bytes() const;          // W_ih, W_hh of every layer, as stored
  std::size_t recurrent_weight_float32_bytes() const;  // the same matrices in float32
  std::size_t parameter_count() const;                 // every weight and bias (tied: once)
  bool operator==(const PackedModel&) const = default;
};

}  // namespace hitnet::infer
