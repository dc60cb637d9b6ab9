#include "experiments/lib/train_step.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "experiments/lib/build_model.hpp"

namespace hitnet {

TrainStep::TrainStep(const Config& cfg, LanguageModel& model, int slices)
    : cfg_(cfg.train),
      model_(model),
      optimizer_(make_optimizer(cfg_.optimizer, std::size_t(model.parameters().values().size()),
                                float(cfg_.weight_decay), float(cfg_.adam_beta1),
                                float(cfg_.adam_beta2), float(cfg_.adam_eps))) {
  if (slices <= 0) slices = omp_get_max_threads();
  slices = std::min(slices, cfg.data.batch_size);
  if (slices <= 1) return;
  std::vector<std::unique_ptr<LanguageModel>> replicas;
  for (int k = 1; k < slices; ++k) replicas.push_back(build_model(cfg, model.shape().vocab));
  parallel_ = std::make_unique<DataParallel>(model, std::move(replicas));
}

StepStats TrainStep::operator()(const Window& w, ModelState& state, Rng& rng, float lr) {
  // token_mean: the loss per target token; batch_mean: summed over the window's time steps,
  // averaged over the batch (Zaremba et al.'s scale, which their lr and clip assume).
  const double per = cfg_.loss_reduction == "batch_mean" ? w.batch : double(w.batch) * w.len;
  PhaseClock clock(phase_times_);
  auto& params = model_.parameters();
  StepStats s;
  const auto scale = static_cast<float>(1.0 / per);
  params.zero_grads();
  clock.lap(Phase::kZeroGrads);
  if (parallel_ && w.batch >= parallel_->slices()) {
    s.nll = parallel_->forward_backward(w, state, rng, scale, &clock);
    s.grad_norm = parallel_->grad_norm();  // measured in the summing pass
  } else {
    s.nll = model_.forward_backward(w, state, rng, scale, &clock);
    s.grad_norm = global_norm(params.grads());
  }
  s.clipped = cfg_.clip > 0 && s.grad_norm > cfg_.clip;
  s.updated = std::isfinite(s.grad_norm);
  clock.lap(Phase::kClip);
  // The clipping factor is applied inside the update, as the gradient is read.
  if (s.updated)
    optimizer_->step(params.values(), params.grads(), lr, clip_factor(s.grad_norm, cfg_.clip));
  clock.lap(Phase::kOptimizer);
  return s;
}

}  // namespace hitnet
