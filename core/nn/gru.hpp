#pragma once
// GRU layer (Cho et al. 2014, in PyTorch's formulation: the reset gate multiplies the recurrent
// part of the candidate), with HitNet's quantization points and sloping factor λ. Gates are
// stacked in one (3H x ·) matrix in the order r, z, n:
//
//   gx = Q(W_ih) x_t + b_ih          gh = Q(W_hh) h_{t-1} + b_hh        (3H each)
//   r = Qr(σ((gx_r + gh_r) / λσ))    z = Qz(σ((gx_z + gh_z) / λσ))
//   n = Qn(tanh((gx_n + r ⊙ gh_n) / λtanh))
//   h_t = Qh((1 - z) ⊙ n + z ⊙ h_{t-1})
//
// The names r z n h are the gate table (kCell.gates).
#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

class Gru : public RecurrentLayer {
 public:
  static const CellInfo kCell;

  Gru(ParameterStore& store, int index, int input, int hidden, LayerQuant quant);

  void forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state, Rng& rng,
               const Pass& pass) override;
  void backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) override;

 private:
  GateValues values_of(int gate) const override;

  bool quantized_gates_ = false;  // any of r z n quantized

  // Saved by forward for backward (columns t*B + b).
  Matrix pre_;                   // 3H x TB  inputs of the nonlinearities (gx_n + r ⊙ gh_n for n)
  Matrix recurrent_n_;           // H x TB   gh_n, the recurrent part of the candidate
  Matrix post_;                  // 3H x TB  σ / tanh outputs
  Matrix gates_q_, gates_mask_;  // 3H x TB, when a gate quantizer is active
  Matrix hidden_mask_;           // H x TB
  Matrix scratch_, recurrent_;
};

}  // namespace hitnet
