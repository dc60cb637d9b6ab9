#pragma once
// hitnet-bench --packed: the packed ternary path of the inference library against the float32
// GEMM path of the same model (the same Session with the ternary matrices expanded to float32
// and multiplied by Eigen), on the config's shape with random weights, on one thread (the
// embedded case), at batch 1 and batch 10, timed in the thread's CPU time (the machine may be
// shared):
//   - model bytes: the packed file and the recurrent weights, against float32
//   - the W_hh product alone (the ternary kernel against the float32 GEMM), µs per step
//   - the recurrent step (embedding and every recurrent layer), tokens/s
//   - the step with its output (decoder, log-softmax), token by token: the streaming case
//   - whole evaluation as hitnet-eval runs it (windows of data.bptt steps, one decoder product
//     per window, the targets' log-probabilities read), tokens/s, with the trainer's own
//     deterministic evaluation (LanguageModel::evaluate on the same windows) beside it
#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace hitnet {

// Prints the figures and returns them as JSON. Each measurement is the best of three runs of
// max(0.6, seconds / 10) / 3 CPU seconds. Throws UnsupportedScheme when the config cannot be
// packed.
nlohmann::json run_packed_bench(const Config& cfg, int vocab, double seconds);

}  // namespace hitnet
