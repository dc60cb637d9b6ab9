#pragma once
// A recurrent layer (LSTM, GRU): what the language model calls, and everything the cells share,
// so that lstm.cpp and gru.cpp hold only their equations.
//
// A layer processes a whole truncated-BPTT window: the input projection of all time steps is one
// GEMM outside the time loop, the recurrent product is one GEMM per step, the gates' element-wise
// work is fused. Its gates are stacked in one (blocks·H x ·) matrix per weight, so W_ih is
// (blocks·H x input) and W_hh is (blocks·H x H). Its activations are named by its gate table.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/nn/activation_tap.hpp"
#include "core/nn/gate_quant.hpp"
#include "core/nn/gate_table.hpp"
#include "core/nn/quantized_param.hpp"

namespace hitnet {

// State carried from one window to the next (detached: no gradient flows across windows).
struct LayerState {
  Matrix h;  // hidden x batch
  Matrix c;  // hidden x batch (LSTM cell; empty for cells without one)
};

// The quantizers and sloping factors of one layer, built from the config (experiments'
// build_model). Null quantizers mean full precision.
struct LayerQuant {
  QuantizerPtr w_ih, w_hh;
  int weight_blocks = 1;  // w_ih and w_hh quantized per block of rows: 1, or the cell's gates
  bool recurrent_diagonal_apart = false;      // w_hh's gate blocks' diagonals quantized apart
  QuantizerPtr b_ih, b_hh;                    // b_hh only for cells with a recurrent bias (GRU)
  std::map<std::string, QuantizerPtr> gates;  // gate table name -> quantizer
  float sigmoid_slope = 1.0f, tanh_slope = 1.0f;
};

// What a cell is: its name (model.cell), its gate table, its stacked gate blocks, whether it
// has a second (recurrent) bias, and how to build one.
class RecurrentLayer;
struct CellInfo {
  std::string name;
  GateTable gates;
  int blocks;           // stacked gate blocks: W_ih is (blocks·H x input)
  bool recurrent_bias;  // b_hh besides b_ih
  bool has_cell_state;  // LayerState::c is used
  std::unique_ptr<RecurrentLayer> (*make)(ParameterStore& store, int index, int input, int hidden,
                                          LayerQuant quant);
};

// Every cell (one line per cell in recurrent_layer.cpp); find_cell is null for unknown names.
const std::vector<const CellInfo*>& cells();
const CellInfo* find_cell(const std::string& name);

class RecurrentLayer {
 public:
  // Declares the layer's parameters in `store` (w_ih, w_hh, the bias(es), in that order) and takes
  // one quantizer per gate table entry from `quant`; throws std::invalid_argument when `quant`
  // has a quantizer the cell would not use (a gate its table lacks, a b_hh it does not have).
  RecurrentLayer(const CellInfo& cell, ParameterStore& store, int index, int input, int hidden,
                 LayerQuant quant);
  virtual ~RecurrentLayer() = default;
  // Parameters and saved activations are views into the model's buffers: never copied or moved.
  RecurrentLayer(const RecurrentLayer&) = delete;
  RecurrentLayer& operator=(const RecurrentLayer&) = delete;

  const std::string& name() const { return name_; }  // "lstm0", "gru1", ...
  int hidden() const { return hidden_; }
  LayerState initial_state(int batch) const;  // zeros

  // Computes Q(W) for the window (once per batch, not per step).
  void quantize_weights(Rng& rng, const Pass& pass);
  // x: (input x T*B), column t*B + b. Updates `state` to the last step's state.
  virtual void forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                       Rng& rng, const Pass& pass) = 0;
  Eigen::Ref<const Matrix> output() const;  // h_t of every step (hidden x T*B)
  // d_out: dL/d output; accumulates parameter gradients; d_x = dL/dx (input x T*B).
  virtual void backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) = 0;

  // Weight tensors (parameter id and the quantized tensor) for histograms.
  std::vector<std::pair<int, const QuantizedTensor*>> weights() const;
  // Reports pre/post/quantized activations of the last forward to the tap, named by the table.
  void report_activations(ActivationTap& tap) const;

 protected:
  // Where a gate's values of the last forward are: for each stage, the (rows x cols) block of a
  // matrix starting at (row, col); a null matrix is a stage the cell does not keep.
  struct Stage {
    const Matrix* m = nullptr;
    Eigen::Index row = 0, col = 0;
  };
  struct GateValues {
    Stage pre, post, quantized;
    Eigen::Index rows = 0, cols = 0;
  };
  virtual GateValues values_of(int gate) const = 0;

  // The end of every backward: the parameter gradients of the window (three GEMMs and row sums)
  // and dL/dx. d_input = dL/d(W_ih x + b_ih), d_recurrent = dL/d(W_hh h_{t-1} + b_hh), both
  // (blocks·H x T·B); they are the same matrix for cells with one bias (LSTM).
  void finish_backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_input,
                       const Matrix& d_recurrent, Matrix& d_x);

  const CellInfo& cell_;
  std::string name_;
  int hidden_;
  QuantizedParam w_ih_, w_hh_, b_ih_;
  std::unique_ptr<QuantizedParam> b_hh_;  // cells with a recurrent bias only
  std::vector<GateQuant> gate_quant_;     // by gate table index
  float inv_sigmoid_slope_, inv_tanh_slope_;

  // Saved by forward for backward (columns t*B + b).
  int steps_ = 0, batch_ = 0;
  Matrix hiddens_;  // H x (T+1)B  h_t, h_{-1} = carried state first
};

}  // namespace hitnet
