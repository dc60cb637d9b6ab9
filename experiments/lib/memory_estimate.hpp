#pragma once
// The memory a run needs, estimated from its config before anything is allocated: a model too
// large for the machine (model.hidden=100000000) is refused with the figure instead of ending
// in std::bad_alloc halfway through building it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/config/config.hpp"

namespace hitnet {

// Bytes by what holds them. Parameters are exact; activations are an upper estimate of what
// one truncated-BPTT window keeps for backward.
struct MemoryEstimate {
  double parameters = 0;   // trainable floats: what build_model() declares
  double weights = 0;      // parameter values
  double gradients = 0;    // one gradient per parameter and data-parallel slice
  double optimizer = 0;    // Adam's two moments (SGD keeps none)
  double quantized = 0;    // quantized copies and STE masks of quantized weights, per slice
  double checkpoint = 0;   // a checkpoint being written or read: its records and its bytes
  double activations = 0;  // per layer and step, kept for backward, at the larger batch
  double logits = 0;       // decoder output and its gradient for one window
  double corpus = 0;       // token ids of the splits and their batched copies
  double total() const {
    return weights + gradients + optimizer + quantized + checkpoint + activations + logits + corpus;
  }
};

// `vocab`: the corpus' vocabulary size; `corpus_tokens`: tokens of all three splits.
MemoryEstimate estimate_run_memory(const Config& cfg, int vocab, double corpus_tokens);

// MemAvailable from /proc/meminfo, in bytes; nullopt where it cannot be read.
std::optional<double> available_memory_bytes();

// "1.2 TB", "22.8 GB", "512 kB" (decimal units).
std::string format_bytes(double bytes);

// Throws ConfigError naming the model's shape when the estimate exceeds `available` bytes:
// "model lstm 1x100000000, vocab 50: the run needs about 1.6 EB of memory, 22.8 GB available".
void check_memory_fits(const Config& cfg, int vocab, double corpus_tokens, double available);

}  // namespace hitnet
