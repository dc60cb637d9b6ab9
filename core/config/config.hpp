#pragma once
// The typed configuration of one run. Every field here is a YAML key (dotted path in the
// comments); core/config/schema.cpp binds each key to its field once, with its default, range
// and documentation, and that binding drives loading, validation, overrides and dumping.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/data/data_config.hpp"
#include "core/quant/quant_spec.hpp"

namespace hitnet {

struct ModelConfig {
  std::string cell = "lstm";  // lstm | gru
  int layers = 1;
  int hidden = 300;
  int embedding = 300;
  double dropout = 0.5;      // on non-recurrent connections (Zaremba et al.)
  bool tie_weights = false;  // decoder uses the embedding matrix (needs embedding == hidden)
  double init_range = 0.1;   // uniform(-r, r) for every weight
  bool operator==(const ModelConfig&) const = default;
};

// Quantizer placement, named after Brevitas' QuantLSTM where it has a name (see README).
struct QuantConfig {
  QuantSpec weight_quant;                           // w_ih and w_hh of every layer
  std::optional<QuantSpec> input_weight_quant;      // w_ih only (overrides weight_quant)
  std::optional<QuantSpec> recurrent_weight_quant;  // w_hh only (overrides weight_quant)
  // Per layer (quant.layer0 .. quant.layer3): W_ih / W_hh of that layer only, overriding the
  // keys above. Four slots keep every key a fixed, listable name; deeper stacks use the above.
  struct LayerWeights {
    std::optional<QuantSpec> input_weight_quant, recurrent_weight_quant;
    bool operator==(const LayerWeights&) const = default;
  };
  static constexpr int kLayerSlots = 4;
  std::array<LayerWeights, kLayerSlots> layer;
  // What one threshold and scale of a recurrent weight quantizer cover: "tensor", the stacked
  // matrix (W_ih, W_hh); "gate", each gate's block of it, as if every gate had its own matrix
  // (W_i, W_f, ... as papers write the cell).
  std::string weight_granularity = "tensor";
  // W_hh's diagonal (each gate block's, a unit's weight on its own previous output): "shared",
  // quantized with the rest; "apart", as a group of its own (a second threshold and scale).
  std::string recurrent_diagonal = "shared";
  QuantSpec bias_quant;                    // biases (fp unless asked)
  QuantSpec sigmoid_quant;                 // every sigmoid gate: LSTM i, f, o; GRU r, z
  QuantSpec tanh_quant;                    // every tanh: LSTM g and tanh(c); GRU n
  QuantSpec cell_state_quant;              // LSTM c_t
  QuantSpec hidden_quant;                  // h_t, the layer's output (Brevitas io_quant)
  std::map<std::string, QuantSpec> gates;  // per gate: i f g o c | r z n (overrides the above)
  QuantSpec embedding_quant;               // the embedding's output
  QuantSpec decoder_weight_quant;          // softmax (decoder) weights
  double sloping_factor = 1.0;             // λ for every sigmoid and tanh
  std::optional<double> sigmoid_slope;     // λ for the sigmoids (overrides sloping_factor)
  std::optional<double> tanh_slope;        // λ for the tanhs (overrides sloping_factor)
  int eval_samples = 1;                    // eval passes when a quantizer samples at eval
  bool operator==(const QuantConfig&) const = default;
};

struct ScheduleConfig {
  std::string type = "plateau";  // fixed | decay | plateau
  int decay_start = 5;           // decay: first epoch whose lr is multiplied by decay_factor
  double decay_factor = 0.5;     // decay: lr *= factor every epoch from decay_start on
  double plateau_factor = 0.25;  // plateau: lr *= factor when valid ppl does not improve
  double min_lr = 0.0;           // stop decaying below this
  bool operator==(const ScheduleConfig&) const = default;
};

struct TrainConfig {
  std::string optimizer = "sgd";  // sgd | adam
  double lr = 20.0;
  double clip = 0.25;  // global gradient-norm clip (0 = off)
  // token_mean: loss averaged over every token of the window (PyTorch word_language_model);
  // batch_mean: summed over the window's time steps, averaged over the batch (Zaremba et al.'s
  // recipe and TensorFlow's PTB tutorial; its lr 1.0 and clip 5 assume this scale).
  std::string loss_reduction = "token_mean";
  double weight_decay = 0.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  int epochs = 40;
  int max_batches = 0;       // batches per epoch, 0 = all (smoke tests)
  int max_eval_batches = 0;  // windows per evaluation, 0 = all
  ScheduleConfig schedule;
  int checkpoint_every = 0;  // also checkpoint every k batches (0 = at epoch ends only)
  bool operator==(const TrainConfig&) const = default;
};

// Where the parameters start: random (model.init_range), or a trained run's best checkpoint
// (a warm start: fine-tune a quantized model from its full-precision twin).
struct InitConfig {
  std::string from;  // a run directory ("" = random initialisation)
  // The SHA-256 the loaded checkpoint must have ("" = any): pins a study to one source model
  // while the source run may still be training and replacing its best checkpoint.
  std::string sha256;
  bool operator==(const InitConfig&) const = default;
};

struct HistogramConfig {
  std::vector<int> epochs = {1};  // epochs to dump (1-based); see also every and last
  int every = 0;                  // also every k epochs (0 = off)
  bool last = true;               // also the last epoch
  int bins = 101;
  int batches = 4;  // activation histograms gather this many batches
  bool operator==(const HistogramConfig&) const = default;
};

struct LogConfig {
  double interval_s = 10.0;  // plain progress lines when not on a terminal
  HistogramConfig histograms;
  bool operator==(const LogConfig&) const = default;
};

struct Config {
  std::string name = "run";
  uint64_t seed = 1;
  int threads = 0;  // OpenMP threads inside the run, 0 = all cores
  DataConfig data;
  ModelConfig model;
  QuantConfig quant;
  InitConfig init;
  TrainConfig train;
  LogConfig log;
  bool operator==(const Config&) const = default;
};

}  // namespace hitnet
