#pragma once
// Where a training step's wall time goes, summed per phase over the steps that were watched:
// hitnet-bench prints the table (README, Performance). Nobody else attaches one, and then a step
// pays one null-pointer test per phase. Parallel regions end before their phase is charged, so
// the phases add up to the step's wall time at any thread count; under data parallelism
// (core/nn/data_parallel.hpp) the phases are slice 0's and the others' lag is the gradient sum.
#include <array>
#include <chrono>

namespace hitnet {

// In the order a training step runs them.
enum class Phase {
  kZeroGrads,          // gradient buffer set to zero
  kEmbedding,          // table lookup, its quantizer, dropout
  kRecurrentForward,   // Q(W) of the layers, the layers, dropout between them
  kDecoderForward,     // Q(W) of the decoder, logits = Q(W) h + b
  kSoftmaxLoss,        // softmax, loss and dL/dlogits in one pass
  kDecoderBackward,    // the decoder's weight, bias and input gradients
  kRecurrentBackward,  // the layers' backward, dropout masks
  kEmbeddingBackward,  // scatter into the table's gradient
  kGradientSum,        // data parallel: waiting for the other slices, summing their gradients
  kClip,               // global gradient norm and clipping
  kOptimizer,          // the parameter update
};
inline constexpr int kPhaseCount = int(Phase::kOptimizer) + 1;

inline const char* phase_name(Phase p) {
  static constexpr const char* names[kPhaseCount] = {"zero gradients",     "embedding",
                                                     "recurrent forward",  "decoder forward",
                                                     "softmax + loss",     "decoder backward",
                                                     "recurrent backward", "embedding backward",
                                                     "gradient sum",       "clip",
                                                     "optimizer"};
  return names[int(p)];
}

struct PhaseTimes {
  std::array<double, kPhaseCount> seconds{};
  double total() const {
    double sum = 0;
    for (double s : seconds) sum += s;
    return sum;
  }
};

// Charges the time since the previous lap (or since it was made) to a phase. With no PhaseTimes
// it does nothing, not even read the clock.
class PhaseClock {
 public:
  explicit PhaseClock(PhaseTimes* times) : times_(times) {
    if (times_) last_ = Clock::now();
  }
  void lap(Phase phase) {
    if (!times_) return;
    const auto now = Clock::now();
    times_->seconds[std::size_t(phase)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  PhaseTimes* times_;
  Clock::time_point last_;
};

}  // namespace hitnet
