#pragma once
// Config -> LanguageModel: the shape from model.*, and every quantizer from quant.* resolved
// per tensor (a specific key wins over the general one: quant.gates.i over quant.sigmoid_quant,
// quant.input_weight_quant over quant.weight_quant).
#include <memory>

#include "core/config/config.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

std::unique_ptr<LanguageModel> build_model(const Config& cfg, int vocab);

// The QuantSpec that applies to one entry of a cell's gate table, after the overrides.
const QuantSpec& gate_spec(const QuantConfig& q, const GateSpec& gate);

}  // namespace hitnet
