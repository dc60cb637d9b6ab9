#pragma once
// Perplexity of a split, as validation and the test measure it: windows of the split from a
// zero state with the state carried between them, dropout off, quantizers in evaluation mode.
// With quantizers that sample at evaluation, one pass is one draw of their noise, so the
// perplexity is the mean over several passes, each with its own generator.
#include <atomic>
#include <optional>

#include "core/data/batches.hpp"
#include "core/nn/language_model.hpp"

namespace hitnet {

struct PerplexityStats {
  double mean = 0, std = 0;  // over the passes (std 0 for one pass)
  int passes = 1;
};

// `seed` seeds pass k's generator as seed + 7919·k. max_windows 0 = all. Returns nullopt when
// `stop` became true during the evaluation (the caller checkpoints and exits).
std::optional<PerplexityStats> evaluate_split(LanguageModel& model, const BatchedSplit& split,
                                              int max_windows, uint64_t seed, const Pass& pass,
                                              int passes, const std::atomic<bool>& stop);

}  // namespace hitnet
