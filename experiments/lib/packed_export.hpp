#pragma once
// hitnet-export's work: a trained model as a PackedModel (core/infer) that the inference
// library runs. Every ternary weight matrix's codes and scales come from the project's own
// quantizer (make_quantizer with the run's QuantSpec, over the same groups of weights, as the
// trainer applies it), so the packed model and the trainer's deterministic evaluation multiply
// by exactly the same numbers.
//
// What the packed format runs, per config key (anything else is refused, naming the key):
//   W_ih, W_hh (quant.weight_quant and its overrides)   ttq (2-bit planes + α) or fp
//   quant.weight_granularity, quant.recurrent_diagonal  any: an α per gate block of rows, a
//                                                       second α for W_hh's diagonal
//   biases (quant.bias_quant)                           fp, or ttq stored as its values
//   activation placements (quant.sigmoid_quant, ...)    fp, or btq rounded to the nearest
//                                                       level (any eval/train mode; sigmoid
//                                                       outputs to {0, 1} or {0, 1/2, 1})
//   quant.embedding_quant, quant.decoder_weight_quant   fp
//   λ (quant.sloping_factor, sigmoid_slope, tanh_slope) any
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/infer/packed_model.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

// A scheme the packed format cannot run; the message starts with the config key.
struct UnsupportedScheme : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws UnsupportedScheme for the first setting of `cfg` the packed format cannot run.
void check_packable(const Config& cfg);

// `model` (built by build_model(cfg, ...), holding its trained parameters) with the vocabulary
// `words` (id order) and provenance `metadata`. Calls check_packable first.
infer::PackedModel pack_model(const Config& cfg, const LanguageModel& model,
                              const std::vector<std::string>& words,
                              std::vector<std::pair<std::string, std::string>> metadata = {});

// A run directory's best model: RUN_DIR/config.yaml, the vocabulary of its corpus, and the
// parameters in RUN_DIR/checkpoints/best.ckpt. Throws ConfigError, DataError, UnsupportedScheme
// or std::runtime_error naming the file.
infer::PackedModel export_run(const std::string& run_dir);

}  // namespace hitnet
