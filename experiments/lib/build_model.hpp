#pragma once
// Config -> LanguageModel: the shape from model.*, and every quantizer from quant.* resolved
// per tensor (a specific key wins over the general one: quant.gates.i over quant.sigmoid_quant,
// quant.input_weight_quant over quant.weight_quant).
#include <memory>
#include <string>

#include "core/config/config.hpp"
#include "core/nn/language_model.hpp"
#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

std::unique_ptr<LanguageModel> build_model(const Config& cfg, int vocab);

// A resolved setting with the config key it came from, for messages about it (the exporter
// names the key of a scheme it cannot pack).
struct PlacedSpec {
  QuantSpec spec;
  std::string key;  // e.g. "quant.layer0.input_weight_quant", "quant.gates.o"
};

// The QuantSpec that applies to one entry of a cell's gate table, after the overrides.
PlacedSpec gate_spec(const QuantConfig& q, const GateSpec& gate);
// W_ih / W_hh of layer `layer`: quant.layerN.*, else quant.input/recurrent_weight_quant, else
// quant.weight_quant.
PlacedSpec input_weight_spec(const QuantConfig& q, int layer);
PlacedSpec recurrent_weight_spec(const QuantConfig& q, int layer);

// How a layer's W_ih and W_hh split into groups quantized each with its own threshold and scale
// (core/nn/quantized_tensor.hpp), as the layers are built and the exporter packs them.
struct WeightGroups {
  int row_blocks = 1;                     // W_ih and W_hh: quant.weight_granularity gate: per gate
  bool recurrent_diagonal_apart = false;  // W_hh only: quant.recurrent_diagonal apart
};
WeightGroups weight_groups(const QuantConfig& q, const CellInfo& cell);

}  // namespace hitnet
