#include "core/infer/packed_model.hpp"

#include <cmath>
#include <stdexcept>

namespace hitnet::infer {
namespace {

std::string shape(int rows, int cols) {
  return std::to_string(rows) + " x " + std::to_string(cols);
}

void expect_shape(const std::string& name, int rows, int cols, int want_rows, int want_cols) {
  if (rows != want_rows || cols != want_cols)
    throw std::invalid_argument(name + " is " + shape(rows, cols) + ", the model needs " +
                                shape(want_rows, want_cols));
}

void expect_size(const std::string& name, std::size_t size, std::size_t want) {
  if (size != want)
    throw std::invalid_argument(name + " has " + std::to_string(size) +
                                " values, the model needs " + std::to_string(want));
}

void check_weight(const std::string& name, const WeightMatrix& w, int rows, int cols) {
  expect_shape(name, rows_of(w), cols_of(w), rows, cols);
  if (const auto* f = std::get_if<FloatMatrix>(&w)) {
    expect_size(name, f->values.size(), std::size_t(rows) * cols);
    return;
  }
  const auto& t = std::get<TernaryMatrix>(w);
  if (t.words != TernaryMatrix::words_for(cols))
    throw std::invalid_argument(name + " has " + std::to_string(t.words) + " words per row, its " +
                                std::to_string(cols) + " columns need " +
                                std::to_string(TernaryMatrix::words_for(cols)));
  expect_size(name + " (+1 plane)", t.plus.size(), std::size_t(rows) * t.words);
  expect_size(name + " (-1 plane)", t.minus.size(), std::size_t(rows) * t.words);
  if (const std::string problem =
          TernaryMatrix::grouping_error(rows, cols, t.scales.size(), t.diagonal_apart());
      !problem.empty())
    throw std::invalid_argument(name + ": " + problem);
  if (t.diagonal_apart())
    expect_size(name + " diagonal scales", t.diagonal_scales.size(), t.scales.size());
  for (const auto* group : {&t.scales, &t.diagonal_scales})
    for (std::size_t k = 0; k < group->size(); ++k)
      if (const float scale = (*group)[k]; !std::isfinite(scale) || scale < 0.0f)
        throw std::invalid_argument(name + " has " +
                                    (group == &t.scales ? "scale " : "diagonal scale ") +
                                    std::to_string(scale) + " in row block " + std::to_string(k) +
                                    ", expected a finite value >= 0");
  const int tail = cols % 64;
  const uint64_t padding = tail ? ~((uint64_t{1} << tail) - 1) : 0;
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < t.words; ++k) {
      const uint64_t p = t.plus_row(r)[k], m = t.minus_row(r)[k];
      if (p & m)
        throw std::invalid_argument(name + " row " + std::to_string(r) +
                                    " has weights marked both +1 and -1");
      if (k == t.words - 1 && ((p | m) & padding))
        throw std::invalid_argument(name + " row " + std::to_string(r) +
                                    " has bits set past its last column");
    }
}

}  // namespace

const std::vector<std::string>& placement_names(Cell cell) {
  static const std::vector<std::string> lstm{"i", "f", "o", "g", "c", "cell", "h"};
  static const std::vector<std::string> gru{"r", "z", "n", "h"};
  return cell == Cell::kLstm ? lstm : gru;
}

const char* cell_name(Cell cell) {
  return cell == Cell::kLstm ? "lstm" : "gru";
}

uint32_t sigmoid_placements(Cell cell) {
  return cell == Cell::kLstm ? (1u << kLstmI) | (1u << kLstmF) | (1u << kLstmO)
                             : (1u << kGruR) | (1u << kGruZ);
}

int rows_of(const WeightMatrix& w) {
  return std::visit([](const auto& m) { return m.rows; }, w);
}

int cols_of(const WeightMatrix& w) {
  return std::visit([](const auto& m) { return m.cols; }, w);
}

std::size_t bytes_of(const WeightMatrix& w) {
  if (const auto* f = std::get_if<FloatMatrix>(&w)) return f->values.size() * sizeof(float);
  const auto& t = std::get<TernaryMatrix>(w);
  return 2 * t.plane_bytes() + (t.scales.size() + t.diagonal_scales.size()) * sizeof(float);
}

bool PackedModel::hidden_ternary(int layer) const {
  const PackedLayer& l = layers.at(std::size_t(layer));
  if (cell == Cell::kLstm) return l.quantized(kLstmH) || (l.binary(kLstmO) && l.quantized(kLstmC));
  return l.quantized(kGruH) || (l.binary(kGruZ) && l.quantized(kGruN));
}

std::string PackedModel::metadata_value(const std::string& key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return v;
  return "";
}

void PackedModel::validate() const {
  if (vocab < 1 || embedding < 1 || hidden < 1)
    throw std::invalid_argument("vocab, embedding and hidden must be >= 1 (got " +
                                std::to_string(vocab) + ", " + std::to_string(embedding) + ", " +
                                std::to_string(hidden) + ")");
  if (layers.empty()) throw std::invalid_argument("the model has no recurrent layer");
  if (tied && embedding != hidden)
    throw std::invalid_argument("a tied decoder needs embedding == hidden (got " +
                                std::to_string(embedding) + " and " + std::to_string(hidden) + ")");
  expect_size("vocabulary", words.size(), std::size_t(vocab));
  expect_shape("embedding.weight", embedding_table.rows, embedding_table.cols, vocab, embedding);
  expect_size("embedding.weight", embedding_table.values.size(), std::size_t(vocab) * embedding);
  const int gate_rows = gates() * hidden;
  const uint32_t placements = uint32_t(placement_names(cell).size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const PackedLayer& layer = layers[l];
    const std::string name = cell_name(cell) + std::to_string(l);
    check_weight(name + ".w_ih", layer.w_ih, gate_rows, l == 0 ? embedding : hidden);
    check_weight(name + ".w_hh", layer.w_hh, gate_rows, hidden);
    expect_size(name + (cell == Cell::kLstm ? ".bias" : ".b_ih"), layer.bias_ih.size(),
                std::size_t(gate_rows));
    expect_size(name + ".b_hh", layer.bias_hh.size(),
                cell == Cell::kLstm ? 0 : std::size_t(gate_rows));
    if (layer.btq >> placements)
      throw std::invalid_argument(name + " marks activation placements a " + cell_name(cell) +
                                  " does not have");
    if (layer.ternary_unit & ~(layer.btq & sigmoid_placements(cell)))
      throw std::invalid_argument(name +
                                  " gives {0, 1/2, 1} levels to a placement that is not a "
                                  "BTQ sigmoid output");
    for (float slope : {layer.sigmoid_slope, layer.tanh_slope})
      if (!std::isfinite(slope) || slope <= 0.0f)
        throw std::invalid_argument(name + " has sloping factor " + std::to_string(slope) +
                                    ", expected a finite value > 0");
  }
  if (tied) {
    expect_shape("decoder.weight (tied)", decoder_weight.rows, decoder_weight.cols, 0, 0);
  } else {
    expect_shape("decoder.weight", decoder_weight.rows, decoder_weight.cols, vocab, hidden);
    expect_size("decoder.weight", decoder_weight.values.size(), std::size_t(vocab) * hidden);
  }
  expect_size("decoder.bias", decoder_bias.size(), std::size_t(vocab));
}

std::size_t PackedModel::recurrent_weight_bytes() const {
  std::size_t bytes = 0;
  for (const auto& l : layers) bytes += bytes_of(l.w_ih) + bytes_of(l.w_hh);
  return bytes;
}

std::size_t PackedModel::recurrent_weight_float32_bytes() const {
  std::size_t bytes = 0;
  for (const auto& l : layers)
    for (const auto* w : {&l.w_ih, &l.w_hh})
      bytes += std::size_t(rows_of(*w)) * cols_of(*w) * sizeof(float);
  return bytes;
}

std::size_t PackedModel::parameter_count() const {
  std::size_t n =
      embedding_table.values.size() + decoder_weight.values.size() + decoder_bias.size();
  for (const auto& l : layers) {
    for (const auto* w : {&l.w_ih, &l.w_hh}) n += std::size_t(rows_of(*w)) * cols_of(*w);
    n += l.bias_ih.size() + l.bias_hh.size();
  }
  return n;
}

}  // namespace hitnet::infer
