#pragma once
// What the language model needs from a recurrent layer (LSTM, GRU). A layer processes a whole
// truncated-BPTT window: the input projection of all time steps is one GEMM outside the time
// loop, the recurrent product is one GEMM per step, the gates' element-wise work is fused.
#include <string>
#include <vector>

#include "core/nn/activation_tap.hpp"
#include "core/nn/gate_quant.hpp"
#include "core/nn/parameters.hpp"
#include "core/nn/quantized_tensor.hpp"

namespace hitnet {

// State carried from one window to the next (detached: no gradient flows across windows).
struct LayerState {
  Matrix h;  // hidden x batch
  Matrix c;  // hidden x batch (LSTM cell; empty for GRU)
};

// The quantizers and sloping factors of one layer, built from the config (core/model_builder).
struct LayerQuant {
  QuantizerPtr w_ih, w_hh;
  QuantizerPtr bias_ih, bias_hh;  // LSTM has one bias (bias_ih); GRU two
  std::vector<std::pair<std::string, QuantizerPtr>>
      gates;  // gate name -> quantizer ("i", "f", ...)
  float sigmoid_slope = 1.0f, tanh_slope = 1.0f;
  QuantizerPtr take_gate(const std::string& name);  // null when the gate has none
};

class RecurrentLayer {
 public:
  virtual ~RecurrentLayer() = default;
  virtual std::string name() const = 0;  // "lstm0", "gru1", ...
  virtual int hidden() const = 0;
  virtual LayerState initial_state(int batch) const = 0;  // zeros

  // Computes Q(W) for the window (once per batch, not per step).
  virtual void quantize_weights(Rng& rng, const Pass& pass) = 0;
  // x: (input x T*B), column t*B + b. Updates `state` to the last step's state.
  virtual void forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                       Rng& rng, const Pass& pass) = 0;
  virtual Eigen::Ref<const Matrix> output() const = 0;  // (hidden x T*B)
  // d_out: dL/d output; accumulates parameter gradients; d_x = dL/dx (input x T*B).
  virtual void backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) = 0;

  // Weight tensors (parameter id and the quantized tensor) for histograms.
  virtual std::vector<std::pair<int, const QuantizedTensor*>> weights() const = 0;
  // Reports pre/post/quantized activations of the last forward to the tap.
  virtual void report_activations(ActivationTap& tap) const = 0;
};

}  // namespace hitnet
