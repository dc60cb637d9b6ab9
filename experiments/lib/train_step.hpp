#pragma once
// One optimisation step, as the trainer runs it and hitnet-bench measures it: zero the gradients,
// forward and backward through the window (the loss scaled per train.loss_reduction), clip the
// global gradient norm (train.clip), update with the configured optimizer.
#include <memory>

#include "core/config/config.hpp"
#include "core/nn/language_model.hpp"
#include "core/optim/optimizer.hpp"

namespace hitnet {

struct StepStats {
  double nll = 0;        // summed negative log-likelihood of the window's targets (nats)
  double grad_norm = 0;  // global gradient norm before clipping
  bool clipped = false;  // the norm exceeded train.clip
  // False when the gradient norm is not finite: the parameters were then left as they were,
  // and the run has diverged.
  bool updated = true;
};

class TrainStep {
 public:
  TrainStep(const TrainConfig& cfg, LanguageModel& model);
  TrainStep(const TrainStep&) = delete;  // refers to the model
  TrainStep& operator=(const TrainStep&) = delete;

  StepStats operator()(const Window& w, ModelState& state, Rng& rng, float lr);
  Optimizer& optimizer() { return *optimizer_; }
  // From now on, every step adds the wall time of its phases to `times` (null: stop).
  void watch_phases(PhaseTimes* times) { phase_times_ = times; }

 private:
  const TrainConfig& cfg_;
  LanguageModel& model_;
  std::unique_ptr<Optimizer> optimizer_;
  PhaseTimes* phase_times_ = nullptr;
};

}  // namespace hitnet
