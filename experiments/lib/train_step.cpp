#include "experiments/lib/train_step.hpp"

#include <cmath>

namespace hitnet {

TrainStep::TrainStep(const TrainConfig& cfg, LanguageModel& model)
    : cfg_(cfg),
      model_(model),
      optimizer_(make_optimizer(cfg.optimizer, std::size_t(model.parameters().values().size()),
                                float(cfg.weight_decay), float(cfg.adam_beta1),
                                float(cfg.adam_beta2), float(cfg.adam_eps))) {}

StepStats TrainStep::operator()(const Window& w, ModelState& state, Rng& rng, float lr) {
  // token_mean: the loss per target token; batch_mean: summed over the window's time steps,
  // averaged over the batch (Zaremba et al.'s scale, which their lr and clip assume).
  const double per = cfg_.loss_reduction == "batch_mean" ? w.batch : double(w.batch) * w.len;
  PhaseClock clock(phase_times_);
  auto& params = model_.parameters();
  params.zero_grads();
  clock.lap(Phase::kZeroGrads);
  StepStats s;
  s.nll = model_.forward_backward(w, state, rng, static_cast<float>(1.0 / per), &clock);
  s.grad_norm = clip_global_norm(params.grads(), cfg_.clip);
  s.clipped = cfg_.clip > 0 && s.grad_norm > cfg_.clip;
  s.updated = std::isfinite(s.grad_norm);
  clock.lap(Phase::kClip);
  if (s.updated) optimizer_->step(params.values(), params.grads(), lr);
  clock.lap(Phase::kOptimizer);
  return s;
}

}  // namespace hitnet
