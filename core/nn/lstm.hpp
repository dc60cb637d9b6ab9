#pragma once
// LSTM layer (Hochreiter & Schmidhuber 1997, without peepholes), with HitNet's quantization
// points and sloping factor λ. Gates are stacked in one (4H x ·) matrix in the order i, f, o, g
// (the three sigmoids first, so each nonlinearity runs on one contiguous block of rows):
//
//   a_t = Q(W_ih) x_t + Q(W_hh) h_{t-1} + b          (4H)
//   i, f, o = Qσ(σ(a_{i,f,o} / λσ))                  g = Qg(tanh(a_g / λtanh))
//   c_t = Qcell(f ⊙ c_{t-1} + i ⊙ g)
//   h_t = Qh(o ⊙ Qc(tanh(c_t / λtanh)))
//
// Every Q is optional (identity when unset); gradients pass them by the straight-through
// estimator. The names i f o g c cell h are the gate table (kCell.gates).
#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

class Lstm : public RecurrentLayer {
 public:
  static const CellInfo kCell;

  Lstm(ParameterStore& store, int index, int input, int hidden, LayerQuant quant);

  void forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state, Rng& rng,
               const Pass& pass) override;
  void backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) override;

 private:
  GateValues values_of(int gate) const override;

  bool quantized_gates_ = false;  // any of i f o g quantized

  // Saved by forward for backward, for a window of T steps and batch B (columns t*B + b).
  Matrix pre_;         // 4H x TB  gate pre-activations a_t
  Matrix post_;        // 4H x TB  σ / tanh outputs
  Matrix gates_q_;     // 4H x TB  quantized gates (unused when no gate quantizer is active)
  Matrix gates_mask_;  // 4H x TB  their STE masks
  Matrix cells_;       // H x (T+1)B  Qcell(c_t), c_{-1} = carried state first
  Matrix cell_mask_;   // H x TB
  Matrix cell_tanh_, cell_tanh_quantized_, cell_tanh_mask_;  // H x TB
  Matrix hidden_mask_;                                       // H x TB
  Matrix scratch_;
};

}  // namespace hitnet
