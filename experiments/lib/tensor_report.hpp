#pragma once
// A per-epoch look at the model's tensors on the first few training windows (as training sees
// them: dropout and stochastic quantizers drawing from a generator of the look's own, so the
// training stream is never shifted):
//   - histograms of every weight (full and quantized) and activation (pre, post, quantized),
//     written to the results file on the configured epochs;
//   - every quantized tensor's relative quantization error ||Q(x) - x|| / ||x||, every epoch, so a
//     run that fails shows where (a ternary tensor that collapsed to zeros reads 1.0).
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/data/batches.hpp"
#include "core/io/results_file.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

// Named relative quantization errors: "lstm0.w_hh", "lstm0.i", ...
using QuantErrors = std::vector<std::pair<std::string, double>>;

// Runs log.histograms.batches windows of `train` forward; writes the histograms of `epoch` to
// `results` when it is not null; returns the quantization errors.
QuantErrors inspect_tensors(LanguageModel& model, const BatchedSplit& train, const Config& cfg,
                            int epoch, ResultsFile* results);

}  // namespace hitnet
