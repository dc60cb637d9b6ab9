#include "experiments/lib/build_model.hpp"

#include "core/quant/registry.hpp"

namespace hitnet {
namespace {

// Full precision is a null quantizer: the layers then skip copies and masks entirely.
QuantizerPtr make(const QuantSpec& spec, Domain domain) {
  if (spec.method == "fp") return nullptr;
  return make_quantizer(spec, domain);
}

// The most specific key wins: quant.layerN.<kind>, then quant.<kind>, then quant.weight_quant.
PlacedSpec weight_spec(const QuantConfig& q, int layer, const char* kind,
                       const std::optional<QuantSpec>& general,
                       std::optional<QuantSpec> QuantConfig::LayerWeights::*own) {
  if (layer < QuantConfig::kLayerSlots)
    if (const auto& spec = q.layer[static_cast<std::size_t>(layer)].*own)
      return {*spec, "quant.layer" + std::to_string(layer) + "." + kind};
  if (general) return {*general, std::string("quant.") + kind};
  return {q.weight_quant, "quant.weight_quant"};
}

}  // namespace

PlacedSpec gate_spec(const QuantConfig& q, const GateSpec& gate) {
  if (auto it = q.gates.find(gate.name); gate.has_gate_key() && it != q.gates.end())
    return {it->second, "quant.gates." + gate.name};
  switch (gate.group) {
    case GateGroup::kSigmoid:
      return {q.sigmoid_quant, "quant.sigmoid_quant"};
    case GateGroup::kTanh:
      return {q.tanh_quant, "quant.tanh_quant"};
    case GateGroup::kCellState:
      return {q.cell_state_quant, "quant.cell_state_quant"};
    case GateGroup::kHidden:
      break;
  }
  return {q.hidden_quant, "quant.hidden_quant"};
}

PlacedSpec input_weight_spec(const QuantConfig& q, int layer) {
  return weight_spec(q, layer, "input_weight_quant", q.input_weight_quant,
                     &QuantConfig::LayerWeights::input_weight_quant);
}

PlacedSpec recurrent_weight_spec(const QuantConfig& q, int layer) {
  return weight_spec(q, layer, "recurrent_weight_quant", q.recurrent_weight_quant,
                     &QuantConfig::LayerWeights::recurrent_weight_quant);
}

WeightGroups weight_groups(const QuantConfig& q, const CellInfo& cell) {
  return {q.weight_granularity == "gate" ? cell.blocks : 1, q.recurrent_diagonal == "apart"};
}

std::unique_ptr<LanguageModel> build_model(const Config& cfg, int vocab) {
  const auto& m = cfg.model;
  const auto& q = cfg.quant;
  const CellInfo& cell = *find_cell(m.cell);  // the config only accepts cells() names
  ModelShape shape{
      m.cell, vocab, m.embedding, m.hidden, m.layers, static_cast<float>(m.dropout), m.tie_weights};
  ModelQuant quant;
  for (int l = 0; l < m.layers; ++l) {
    LayerQuant lq;
    lq.w_ih = make(input_weight_spec(q, l).spec, Domain::kWeight);
    lq.w_hh = make(recurrent_weight_spec(q, l).spec, Domain::kWeight);
    const WeightGroups groups = weight_groups(q, cell);
    lq.weight_blocks = groups.row_blocks;
    lq.recurrent_diagonal_apart = groups.recurrent_diagonal_apart;
    lq.b_ih = make(q.bias_quant, Domain::kWeight);
    if (cell.recurrent_bias) lq.b_hh = make(q.bias_quant, Domain::kWeight);
    for (const GateSpec& g : cell.gates) lq.gates[g.name] = make(gate_spec(q, g).spec, g.domain);
    lq.sigmoid_slope = static_cast<float>(q.sigmoid_slope.value_or(q.sloping_factor));
    lq.tanh_slope = static_cast<float>(q.tanh_slope.value_or(q.sloping_factor));
    quant.layers.push_back(std::move(lq));
  }
  quant.embedding_output = make(q.embedding_quant, Domain::kWeight);
  quant.decoder_weight = make(q.decoder_weight_quant, Domain::kWeight);
  return std::make_unique<LanguageModel>(shape, std::move(quant));
}

}  // namespace hitnet
