#pragma once
// A recurrent cell's activations, as one table per cell (lstm.cpp, gru.cpp). The table is the one
// place that names them: the cell indexes its quantizers by it, the model builder picks each
// entry's quantizer from it, the config schema makes the quant.gates.<name> keys from it, and
// histograms are named "<layer>.<name>" after it.
#include <string>
#include <vector>

#include "core/quant/quantizer.hpp"

namespace hitnet {

// What an activation is, which decides the config key that quantizes it.
enum class GateGroup {
  kSigmoid,    // σ(a/λσ): quant.sigmoid_quant, or its own quant.gates.<name>
  kTanh,       // tanh(a/λtanh): quant.tanh_quant, or its own quant.gates.<name>
  kCellState,  // a cell state: quant.cell_state_quant
  kHidden,     // the layer's output h_t: quant.hidden_quant
};

struct GateSpec {
  std::string name;  // "i", "f", ... : quant.gates.<name>, histogram "<layer>.<name>"
  GateGroup group;
  Domain domain;    // the range its quantizer may assume
  int block;        // row block in the cell's stacked gates (0, 1, ...), -1 for none
  std::string doc;  // one line, for --list-keys

  // Nonlinearity outputs have their own quant.gates.<name> key; states only their group's key.
  bool has_gate_key() const { return group == GateGroup::kSigmoid || group == GateGroup::kTanh; }
};

using GateTable = std::vector<GateSpec>;

}  // namespace hitnet
