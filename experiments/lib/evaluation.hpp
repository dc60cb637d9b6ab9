#pragma once
// Perplexity of a split, as validation and the test measure it: windows of the split from a
// zero state with the state carried between them, dropout off, quantizers in evaluation mode.
// With quantizers that sample at evaluation, one pass is one draw of their noise, so the
// perplexity is the mean over several passes, each with its own generator.
#include <atomic>
#include <optional>

#include "core/data/batches.hpp"
#include "core/nn/data_parallel.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

struct PerplexityStats {
  double mean = 0, std = 0;  // over the passes (std 0 for one pass)
  int passes = 1;
};

// The summed negative log-likelihood of one window: on the data-parallel replicas when given
// (null: none) and the window has a stream for each slice, else on the model alone.
double evaluate_window(LanguageModel& model, DataParallel* parallel, const Window& window,
                       ModelState& state, Rng& rng, const Pass& pass = Pass::evaluate());

// `seed` seeds pass k's generator as seed + 7919·k. max_windows 0 = all. Returns nullopt when
// `stop` became true during the evaluation (the caller checkpoints and exits). `parallel`
// (optional): the model's data-parallel replicas, one slice of the streams per thread.
std::optional<PerplexityStats> evaluate_split(LanguageModel& model, DataParallel* parallel,
                                              const BatchedSplit& split, int max_windows,
                                              uint64_t seed, const Pass& pass, int passes,
                                              const std::atomic<bool>& stop);

}  // namespace hitnet
