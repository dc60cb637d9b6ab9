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
  s.nll = parallel_ && w.batch >= parallel_->slices()
              ? parallel_->forward_backward(w, state, rng, scale, &clock)
              : model_.forward_backward(w, state, rng, scale, &clock);
  s.grad_norm = clip_global_norm(params.grads(), cfg_.clip);
  s.clipped = cfg_.clip > 0 && s.grad_norm > cfg_.clip;
  s.updated = std::isfinite(s.grad_norm);
  clock.lap(Phase::kClip);
  if (s.updated) optimizer_->step(params.values(), params.grads(), lr);
  clock.lap(Phase::kOptimizer);
  return s;
}

}  // namespace hitnet
