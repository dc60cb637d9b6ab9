#include "core/nn/recurrent_layer.hpp"

#include <stdexcept>

#include "core/nn/gru.hpp"
#include "core/nn/lstm.hpp"

namespace hitnet {

const std::vector<const CellInfo*>& cells() {
  static const std::vector<const CellInfo*> all = {&Lstm::kCell, &Gru::kCell};  // one per cell
  return all;
}

const CellInfo* find_cell(const std::string& name) {
  for (const CellInfo* c : cells())
    if (c->name == name) return c;
  return nullptr;
}

namespace {

// The bias of a one-bias cell is "bias"; cells with two name them after their products.
std::string bias_name(const CellInfo& cell) {
  return cell.recurrent_bias ? ".b_ih" : ".bias";
}

}  // namespace

RecurrentLayer::RecurrentLayer(const CellInfo& cell, ParameterStore& store, int index, int input,
                               int hidden, LayerQuant quant)
    : cell_(cell),
      name_(cell.name + std::to_string(index)),
      hidden_(hidden),
      w_ih_(store, name_ + ".w_ih", cell.blocks * hidden, input, std::move(quant.w_ih),
            quant.weight_blocks),
      w_hh_(store, name_ + ".w_hh", cell.blocks * hidden, hidden, std::move(quant.w_hh),
            quant.weight_blocks, quant.recurrent_diagonal_apart),
      b_ih_(store, name_ + bias_name(cell), cell.blocks * hidden, 1, std::move(quant.b_ih)),
      inv_sigmoid_slope_(1.0f / quant.sigmoid_slope),
      inv_tanh_slope_(1.0f / quant.tanh_slope) {
  if (quant.weight_blocks != 1 && quant.weight_blocks != cell.blocks)
    throw std::invalid_argument("layer " + name_ + ": weights quantized in " +
                                std::to_string(quant.weight_blocks) + " blocks, expected 1 or " +
                                std::to_string(cell.blocks) + " (one per gate)");
  if (cell.recurrent_bias)
    b_hh_ = std::make_unique<QuantizedParam>(store, name_ + ".b_hh", cell.blocks * hidden, 1,
                                             std::move(quant.b_hh));
  else if (quant.b_hh)
    throw std::invalid_argument("layer " + name_ + ": a quantizer for b_hh, which " + cell.name +
                                " does not have (it has one bias)");
  for (const GateSpec& g : cell.gates) {
    auto node = quant.gates.extract(g.name);
    gate_quant_.push_back({node ? std::move(node.mapped()) : nullptr});
  }
  if (!quant.gates.empty()) {
    std::string names;
    for (const GateSpec& g : cell.gates) names += " " + g.name;
    throw std::invalid_argument("layer " + name_ + ": a quantizer for gate '" +
                                quant.gates.begin()->first + "', which " + cell.name +
                                " does not have (its gates:" + names + ")");
  }
}

LayerState RecurrentLayer::initial_state(int batch) const {
  return {Matrix::Zero(hidden_, batch),
          cell_.has_cell_state ? Matrix(Matrix::Zero(hidden_, batch)) : Matrix()};
}

void RecurrentLayer::quantize_weights(Rng& rng, const Pass& pass) {
  w_ih_.quantize(rng, pass);
  w_hh_.quantize(rng, pass);
  b_ih_.quantize(rng, pass);
  if (b_hh_) b_hh_->quantize(rng, pass);
}

Eigen::Ref<const Matrix> RecurrentLayer::output() const {
  return hiddens_.rightCols(Eigen::Index(steps_) * batch_);
}

void RecurrentLayer::finish_backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_input,
                                     const Matrix& d_recurrent, Matrix& d_x) {
  const Eigen::Index TB = Eigen::Index(steps_) * batch_;
  w_ih_.accumulate_grad(d_input, x);
  w_hh_.accumulate_grad(d_recurrent, hiddens_.leftCols(TB));
  b_ih_.accumulate_grad(d_input.rowwise().sum());
  if (b_hh_) b_hh_->accumulate_grad(d_recurrent.rowwise().sum());
  d_x.noalias() = w_ih_.values().transpose() * d_input;
}

std::vector<std::pair<int, const QuantizedTensor*>> RecurrentLayer::weights() const {
  return {{w_ih_.id(), &w_ih_.quantized()}, {w_hh_.id(), &w_hh_.quantized()}};
}

void RecurrentLayer::report_activations(ActivationTap& tap) const {
  for (int k = 0; k < int(cell_.gates.size()); ++k) {
    const GateValues v = values_of(k);
    const std::string tensor = name_ + "." + cell_.gates[std::size_t(k)].name;
    auto record = [&](const char* stage, const Stage& at) {
      if (at.m) tap.record(tensor, stage, at.m->block(at.row, at.col, v.rows, v.cols));
    };
    record("pre", v.pre);
    record("post", v.post);
    if (gate_quant_[std::size_t(k)].active()) record("quantized", v.quantized);
  }
}

}  // namespace hitnet
