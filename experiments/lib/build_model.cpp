#include "experiments/lib/build_model.hpp"

#include "core/quant/registry.hpp"

namespace hitnet {
namespace {

// Full precision is a null quantizer: the layers then skip copies and masks entirely.
QuantizerPtr make(const QuantSpec& spec, Domain domain) {
  if (spec.method == "fp") return nullptr;
  return make_quantizer(spec, domain);
}

}  // namespace

const QuantSpec& gate_spec(const QuantConfig& q, const GateSpec& gate) {
  if (auto it = q.gates.find(gate.name); gate.has_gate_key() && it != q.gates.end())
    return it->second;
  switch (gate.group) {
    case GateGroup::kSigmoid:
      return q.sigmoid_quant;
    case GateGroup::kTanh:
      return q.tanh_quant;
    case GateGroup::kCellState:
      return q.cell_state_quant;
    case GateGroup::kHidden:
      break;
  }
  return q.hidden_quant;
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
    // The most specific key wins: quant.layerN.*, then quant.input/recurrent_weight_quant,
    // then quant.weight_quant.
    const QuantSpec w_ih = q.input_weight_quant.value_or(q.weight_quant);
    const QuantSpec w_hh = q.recurrent_weight_quant.value_or(q.weight_quant);
    const auto* own =
        l < QuantConfig::kLayerSlots ? &q.layer[static_cast<std::size_t>(l)] : nullptr;
    lq.w_ih = make(own ? own->input_weight_quant.value_or(w_ih) : w_ih, Domain::kWeight);
    lq.w_hh = make(own ? own->recurrent_weight_quant.value_or(w_hh) : w_hh, Domain::kWeight);
    lq.b_ih = make(q.bias_quant, Domain::kWeight);
    if (cell.recurrent_bias) lq.b_hh = make(q.bias_quant, Domain::kWeight);
    for (const GateSpec& g : cell.gates) lq.gates[g.name] = make(gate_spec(q, g), g.domain);
    lq.sigmoid_slope = static_cast<float>(q.sigmoid_slope.value_or(q.sloping_factor));
    lq.tanh_slope = static_cast<float>(q.tanh_slope.value_or(q.sloping_factor));
    quant.layers.push_back(std::move(lq));
  }
  quant.embedding_output = make(q.embedding_quant, Domain::kWeight);
  quant.decoder_weight = make(q.decoder_weight_quant, Domain::kWeight);
  return std::make_unique<LanguageModel>(shape, std::move(quant));
}

}  // namespace hitnet
