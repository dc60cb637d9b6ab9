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
// Gate names for quantizers and histograms: r z n, h (the output).
#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

class Gru : public RecurrentLayer {
 public:
  Gru(ParameterStore& store, int index, int input, int hidden, LayerQuant quant);

  std::string name() const override { return name_; }
  int hidden() const override { return hidden_; }
  LayerState initial_state(int batch) const override;
  void quantize_weights(Rng& rng, const Pass& pass) override;
  void forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state, Rng& rng,
               const Pass& pass) override;
  Eigen::Ref<const Matrix> output() const override;
  void backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) override;
  std::vector<std::pair<int, const QuantizedTensor*>> weights() const override;
  void report_activations(ActivationTap& tap) const override;

 private:
  ParameterStore& store_;
  std::string name_;
  int hidden_;
  int w_ih_, w_hh_, b_ih_, b_hh_;
  QuantizedTensor w_ih_q_, w_hh_q_, b_ih_q_, b_hh_q_;
  GateQuant gate_quant_[3];  // r z n
  GateQuant hidden_quant_;
  float inv_sigmoid_slope_, inv_tanh_slope_;
  bool quantized_gates_ = false;

  // Saved by forward for backward (columns t*B + b).
  int steps_ = 0, batch_ = 0;
  Matrix pre_;                   // 3H x TB  inputs of the nonlinearities (gx_n + r ⊙ gh_n for n)
  Matrix recurrent_n_;           // H x TB   gh_n, the recurrent part of the candidate
  Matrix post_;                  // 3H x TB  σ / tanh outputs
  Matrix gates_q_, gates_mask_;  // 3H x TB, when a gate quantizer is active
  Matrix hiddens_;               // H x (T+1)B, h_{-1} = carried state first
  Matrix hidden_mask_;           // H x TB
  Matrix scratch_, recurrent_;
};

}  // namespace hitnet
