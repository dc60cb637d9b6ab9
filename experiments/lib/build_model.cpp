#include "experiments/lib/build_model.hpp"

#include "core/quant/registry.hpp"

namespace hitnet {
namespace {

// Full precision is a null quantizer: the layers then skip copies and masks entirely.
QuantizerPtr make(const QuantSpec& spec, Domain domain) {
  if (spec.method == "fp") return nullptr;
  return make_quantizer(spec, domain);
}

bool is_sigmoid_gate(const std::string& gate) {
  return gate == "i" || gate == "f" || gate == "o" || gate == "r" || gate == "z";
}

Domain gate_domain(const std::string& gate) {
  if (is_sigmoid_gate(gate)) return Domain::kUnit;
  if (gate == "cell") return Domain::kWeight;  // the cell state is unbounded
  return Domain::kSigned;                      // tanh outputs and h = o ⊙ tanh(c) lie in [-1, 1]
}

// The most specific key wins: quant.layerN.<kind>, then quant.<kind>, then quant.weight_quant.
PlacedSpec weight_spec(const QuantConfig& q, int layer, const char* kind,
                       const std::optional<QuantSpec>& general,
                       std::optional<QuantSpec> QuantConfig::LayerWeights::*own) {
  if (layer < QuantConfig::kLayerSlots)
    if (const auto& spec = q.layer[std::size_t(layer)].*own)
      return {*spec, "quant.layer" + std::to_string(layer) + "." + kind};
  if (general) return {*general, std::string("quant.") + kind};
  return {q.weight_quant, "quant.weight_quant"};
}

}  // namespace

PlacedSpec placed_gate_spec(const QuantConfig& q, const std::string& gate) {
  if (auto it = q.gates.find(gate); it != q.gates.end()) return {it->second, "quant.gates." + gate};
  if (gate == "h") return {q.hidden_quant, "quant.hidden_quant"};
  if (gate == "cell") return {q.cell_state_quant, "quant.cell_state_quant"};
  return is_sigmoid_gate(gate) ? PlacedSpec{q.sigmoid_quant, "quant.sigmoid_quant"}
                               : PlacedSpec{q.tanh_quant, "quant.tanh_quant"};
}

QuantSpec gate_spec(const QuantConfig& q, const std::string& /*cell*/, const std::string& gate) {
  return placed_gate_spec(q, gate).spec;
}

PlacedSpec input_weight_spec(const QuantConfig& q, int layer) {
  return weight_spec(q, layer, "input_weight_quant", q.input_weight_quant,
                     &QuantConfig::LayerWeights::input_weight_quant);
}

PlacedSpec recurrent_weight_spec(const QuantConfig& q, int layer) {
  return weight_spec(q, layer, "recurrent_weight_quant", q.recurrent_weight_quant,
                     &QuantConfig::LayerWeights::recurrent_weight_quant);
}

std::unique_ptr<LanguageModel> build_model(const Config& cfg, int vocab) {
  const auto& m = cfg.model;
  const auto& q = cfg.quant;
  ModelShape shape{
      m.cell, vocab, m.embedding, m.hidden, m.layers, static_cast<float>(m.dropout), m.tie_weights};
  const std::vector<std::string> gates =
      m.cell == "lstm" ? std::vector<std::string>{"i", "f", "o", "g", "c", "cell", "h"}
                       : std::vector<std::string>{"r", "z", "n", "h"};
  ModelQuant quant;
  for (int l = 0; l < m.layers; ++l) {
    LayerQuant lq;
    lq.w_ih = make(input_weight_spec(q, l).spec, Domain::kWeight);
    lq.w_hh = make(recurrent_weight_spec(q, l).spec, Domain::kWeight);
    lq.bias_ih = make(q.bias_quant, Domain::kWeight);
    lq.bias_hh = make(q.bias_quant, Domain::kWeight);
    for (const auto& g : gates)
      lq.gates.emplace_back(g, make(gate_spec(q, m.cell, g), gate_domain(g)));
    lq.sigmoid_slope = static_cast<float>(q.sigmoid_slope.value_or(q.sloping_factor));
    lq.tanh_slope = static_cast<float>(q.tanh_slope.value_or(q.sloping_factor));
    quant.layers.push_back(std::move(lq));
  }
  quant.embedding_output = make(q.embedding_quant, Domain::kWeight);
  quant.decoder_weight = make(q.decoder_weight_quant, Domain::kWeight);
  return std::make_unique<LanguageModel>(shape, std::move(quant));
}

}  // namespace hitnet
