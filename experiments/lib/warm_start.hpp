#pragma once
// init.from: start a run from another run's best parameters (a HitNet model fine-tuned from its
// trained full-precision twin, say). The source must have the same model shape: its config's
// model.cell, layers, hidden, embedding and tie_weights, and the same number of parameters
// (which fixes the vocabulary). Quantization, dropout and the recipe may differ. The source may
// also be a sweep directory: then its one run with this model's shape (the LSTM point of an FP
// sweep for an LSTM, its GRU point for a GRU).
#include <string>

#include "core/config/config.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

// Loads the source run's checkpoints/best.ckpt into the model's parameters. Throws
// std::runtime_error naming the directory and the first difference when the source does not fit.
// Returns one line saying what was loaded (file, its epoch and validation perplexity, its SHA-256),
// which the run records. With `expected_sha256` set, a checkpoint with another hash is refused (the
// source moved on); without it, a source run that has not finished is refused (its best checkpoint
// would move).
std::string warm_start(LanguageModel& model, const ModelConfig& model_cfg, const std::string& from,
                       const std::string& expected_sha256 = "");

}  // namespace hitnet
