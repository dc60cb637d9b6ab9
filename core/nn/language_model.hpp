#pragma once
// The whole network: embedding -> dropout -> N recurrent layers (dropout after each) ->
// decoder -> softmax cross-entropy. It owns the one flat parameter buffer.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/data/batches.hpp"
#include "core/nn/decoder.hpp"
#include "core/nn/dropout.hpp"
#include "core/nn/embedding.hpp"
#include "core/nn/phase_times.hpp"
#include "core/nn/recurrent_layer.hpp"
#include "core/nn/softmax_xent.hpp"

namespace hitnet {

struct ModelShape {
  std::string cell = "lstm";  // a cells() name: lstm | gru
  int vocab = 0, embedding = 0, hidden = 0, layers = 1;
  float dropout = 0.0f;
  bool tie_weights = false;
};

// Quantizers of the model, one LayerQuant per recurrent layer; null pointers mean full precision.
struct ModelQuant {
  std::vector<LayerQuant> layers;
  QuantizerPtr embedding_output;
  QuantizerPtr decoder_weight;
};

using ModelState = std::vector<LayerState>;  // one per layer

class LanguageModel {
 public:
  LanguageModel(const ModelShape& shape, ModelQuant quant);
  // Its layers hold references into its parameter store and buffers: never copied or moved.
  LanguageModel(const LanguageModel&) = delete;
  LanguageModel& operator=(const LanguageModel&) = delete;

  ParameterStore& parameters() { return params_; }
  const ParameterStore& parameters() const { return params_; }
  const ModelShape& shape() const { return shape_; }
  void init_uniform(float range, Rng& rng);
  ModelState initial_state(int batch) const;

  // Summed negative log-likelihood (nats) of the window's targets; accumulates the gradients of
  // (loss * grad_scale) into parameters().grads(). `clock` (optional) is charged each phase.
  double forward_backward(const Window& w, ModelState& state, Rng& rng, float grad_scale,
                          PhaseClock* clock = nullptr);
  // Forward only (dropout off, quantizers in evaluation mode: each its configured one, or the
  // pass's override).
  double evaluate(const Window& w, ModelState& state, Rng& rng,
                  const Pass& pass = Pass::evaluate());
  // Forward only, in training or evaluation mode (for activation histograms).
  void forward_only(const Window& w, ModelState& state, Rng& rng, const Pass& pass) {
    forward(w, state, rng, pass, nullptr);
  }

  // Histogram access: weight tensors with their quantized values, activations through a tap.
  struct WeightView {
    std::string name;
    ConstMatrixMap full;
    const QuantizedTensor* quantized;
  };
  std::vector<WeightView> weights() const;
  void report_activations(ActivationTap& tap) const;
  // The configured evaluation modes of the model's stochastic quantizers (empty: none), and
  // whether any samples at evaluation (then one evaluation pass is one draw of the noise).
  const std::set<EvalMode>& eval_modes() const { return eval_modes_; }
  bool stochastic() const { return !eval_modes_.empty(); }
  bool samples_at_eval() const { return eval_modes_.count(EvalMode::kSample) > 0; }
  // FLOPs per token of a training step (forward + backward), counting multiply-adds as two.
  double train_flops_per_token() const;

 private:
  void forward(const Window& w, ModelState& state, Rng& rng, const Pass& pass, PhaseClock* clock);

  ModelShape shape_;
  std::set<EvalMode> eval_modes_;
  ParameterStore params_;
  Embedding embedding_;
  QuantizedTensor embedding_quant_;
  std::vector<std::unique_ptr<RecurrentLayer>> layers_;
  std::vector<Dropout> dropouts_;  // [0] after the embedding, [l+1] after layer l
  Decoder decoder_;

  std::vector<Matrix> inputs_;  // inputs_[l]: input of layer l (after dropout); [L]: decoder's
  Matrix embedded_, logits_, grad_, grad_in_;
};

}  // namespace hitnet
