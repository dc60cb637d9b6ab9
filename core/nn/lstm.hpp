#pragma once
// LSTM layer (Hochreiter & Schmidhuber 1997, without peepholes), with HitNet's quantization
// points and sloping factor λ. Gates are stacked in one (4H x ·) matrix in the order i, f, o, g
// (the three sigmoids first, so each nonlinearity runs on one contiguous block of rows):
//
//   a_t = Q(W_ih) x_t + Q(W_hh) h_{t-1} + b          (4H)
//   i, f, o = Qσ(σ(a_{i,f,o} / λσ))                  g = Qg(tanh(a_g / λtanh))
//   c_t = Qc(f ⊙ c_{t-1} + i ⊙ g)
//   h_t = Qh(o ⊙ Qm(tanh(c_t / λtanh)))
//
// Every Q is optional (identity when unset); gradients pass them by the straight-through
// estimator. Gate names for quantizers and histograms: i f o g, c (tanh of the cell), cell
// (the cell state), h (the output).
#include "core/nn/recurrent_layer.hpp"

namespace hitnet {

class Lstm : public RecurrentLayer {
 public:
  Lstm(ParameterStore& store, int index, int input, int hidden, LayerQuant quant);

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
  int w_ih_, w_hh_, b_;
  QuantizedTensor w_ih_q_, w_hh_q_, b_q_;
  GateQuant gate_quant_[4];  // i f o g
  GateQuant cell_quant_, cell_tanh_quant_, hidden_quant_;
  float inv_sigmoid_slope_, inv_tanh_slope_;
  bool quantized_gates_ = false;  // any of the gate quantizers above active

  // Saved by forward for backward, for a window of T steps and batch B (columns t*B + b).
  int steps_ = 0, batch_ = 0;
  Matrix pre_;         // 4H x TB  gate pre-activations a_t
  Matrix post_;        // 4H x TB  σ / tanh outputs
  Matrix gates_q_;     // 4H x TB  quantized gates (unused when no gate quantizer is active)
  Matrix gates_mask_;  // 4H x TB  their STE masks
  Matrix cells_;       // H x (T+1)B  Qc(c_t), c_{-1} = carried state first
  Matrix cell_mask_;   // H x TB
  Matrix cell_tanh_, cell_tanh_quantized_, cell_tanh_mask_;  // H x TB
  Matrix hiddens_;      // H x (T+1)B  h_t, h_{-1} = carried state first
  Matrix hidden_mask_;  // H x TB
  Matrix scratch_, step_;
};

}  // namespace hitnet
