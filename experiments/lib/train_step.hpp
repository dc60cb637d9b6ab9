#pragma once
// One optimisation step, as the trainer runs it and hitnet-bench measures it: zero the gradients,
// forward and backward through the window (the loss scaled per train.loss_reduction), clip the
// global gradient norm (train.clip), update with the configured optimizer. With more than one
// thread, forward and backward run data parallel (core/nn/data_parallel.hpp): one slice of the
// batch's streams per thread.
#include <memory>

#include "core/config/config.hpp"
#include "core/nn/data_parallel.hpp"
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
  // `slices`: data-parallel slices of the batch, 0 for one per OpenMP thread (at most one per
  // stream); 1 runs the model alone, its GEMMs and loops threaded. The replicas are built from
  // `cfg` like the model (build_model).
  TrainStep(const Config& cfg, LanguageModel& model, int slices = 0);
  TrainStep(const TrainStep&) = delete;  // refers to the model
  TrainStep& operator=(const TrainStep&) = delete;

  StepStats operator()(const Window& w, ModelState& state, Rng& rng, float lr);
  Optimizer& optimizer() { return *optimizer_; }
  int slices() const { return parallel_ ? parallel_->slices() : 1; }
  // The model's replicas (null with one slice), for evaluating data parallel too.
  DataParallel* data_parallel() { return parallel_.get(); }
  // From now on, every step adds the wall time of its phases to `times` (null: stop).
  void watch_phases(PhaseTimes* times) { phase_times_ = times; }

 private:
  const TrainConfig& cfg_;
  LanguageModel& model_;
  std::unique_ptr<DataParallel> parallel_;  // null: one slice
  std::unique_ptr<Optimizer> optimizer_;
  PhaseTimes* phase_times_ = nullptr;
};

}  // namespace hitnet
