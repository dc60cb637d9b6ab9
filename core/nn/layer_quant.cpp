#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

QuantizerPtr LayerQuant::take_gate(const std::string& name) {
  for (auto& [gate, q] : gates)
    if (gate == name) return std::move(q);
  return nullptr;
}

}  // namespace hitnet
