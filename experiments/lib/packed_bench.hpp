#pragma once
// hitnet-bench --packed: the packed ternary path of the inference library against the float32
// GEMM path of the same model (the same Session with the ternary matrices expanded to float32
// and multiplied by Eigen), on the config's shape with random weights, on one thread (the
// embedded case), at batch 1 and batch 10, timed in the thread's CPU time (the machine may be
// shared):
//   - model bytes: the packed file and the recurrent weights, against float32
//   - the W_hh product alone (the ternary kernel against the float32 GEMM), µs per step
//   - the recurrent step (embedding and every recurrent layer), tokens/s
//   - whole evaluation (the step, decoder, log-softmax and the target's log-probability),
//     tokens/s, with the trainer's own deterministic evaluation (windows of data.bptt) beside it
#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace hitnet {

// Prints the figures and returns them as JSON. Each measurement is the best of three runs of
// max(0.6, seconds / 10) / 3 CPU seconds. Throws UnsupportedScheme when the config cannot be
// packed.
nlohmann::json run_packed_bench(const Config& cfg, int vocab, double seconds);

}  // namespace hitnet
