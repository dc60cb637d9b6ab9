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

}  // namespace

QuantSpec gate_spec(const QuantConfig& q, const std::string& /*cell*/, const std::string& gate) {
  if (auto it = q.gates.find(gate); it != q.gates.end()) return it->second;
  if (gate == "h") return q.hidden_quant;
  if (gate == "cell") return q.cell_state_quant;
  return is_sigmoid_gate(gate) ? q.sigmoid_quant : q.tanh_quant;
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
    // The most specific key wins: quant.layerN.*, then quant.input/recurrent_weight_quant,
    // then quant.weight_quant.
    const QuantSpec w_ih = q.input_weight_quant.value_or(q.weight_quant);
    const QuantSpec w_hh = q.recurrent_weight_quant.value_or(q.weight_quant);
    const auto* own =
        l < QuantConfig::kLayerSlots ? &q.layer[static_cast<std::size_t>(l)] : nullptr;
    lq.w_ih = make(own ? own->input_weight_quant.value_or(w_ih) : w_ih, Domain::kWeight);
    lq.w_hh = make(own ? own->recurrent_weight_quant.value_or(w_hh) : w_hh, Domain::kWeight);
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
