// The training step's phase timers (hitnet-bench's table): every phase is charged, the phases
// add up to the step, and watching a step does not change what it computes.
#include <catch2/catch.hpp>
#include <chrono>

#include "core/config/load.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/train_step.hpp"

using namespace hitnet;

namespace {

struct Run {
  std::unique_ptr<LanguageModel> model;
  std::unique_ptr<TrainStep> step;
  ModelState state;
  Rng rng{3};
};

void start(Run& r, const Config& cfg) {
  r.model = build_model(cfg, cfg.data.synthetic_vocab);
  r.model->init_uniform(0.1f, r.rng);
  r.step = std::make_unique<TrainStep>(cfg, *r.model);
  r.state = r.model->initial_state(cfg.data.batch_size);
}

}  // namespace

TEST_CASE("phase timers charge every phase and leave the step's results as they were",
          "[training]") {
  const Config cfg =
      load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", {});
  std::vector<int32_t> inputs, targets;
  for (int k = 0; k < cfg.data.bptt * cfg.data.batch_size; ++k)
    inputs.push_back(k % 7), targets.push_back((k * 3) % 11);
  const Window w{cfg.data.bptt, cfg.data.batch_size, inputs.data(), targets.data()};

  Run watched, plain;
  start(watched, cfg), start(plain, cfg);
  PhaseTimes times;
  watched.step->watch_phases(&times);
  const int steps = 3;
  double watched_seconds = 0;
  for (int k = 0; k < steps; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    const StepStats a = (*watched.step)(w, watched.state, watched.rng, 0.5f);
    watched_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const StepStats b = (*plain.step)(w, plain.state, plain.rng, 0.5f);
    CHECK(a.nll == b.nll);
    CHECK(a.grad_norm == b.grad_norm);
  }
  CHECK(watched.model->parameters().values() == plain.model->parameters().values());

  for (int p = 0; p < kPhaseCount; ++p) {
    INFO(phase_name(Phase(p)));
    // The gradient sum is data parallelism's own phase: only with more than one slice.
    const bool charged = Phase(p) != Phase::kGradientSum || watched.step->slices() > 1;
    CHECK((times.seconds[std::size_t(p)] > 0) == charged);
  }
  CHECK(times.total() <= watched_seconds);
  CHECK(times.total() > 0.9 * watched_seconds);

  // Detached, it stops counting.
  const PhaseTimes before = times;
  watched.step->watch_phases(nullptr);
  (*watched.step)(w, watched.state, watched.rng, 0.5f);
  CHECK(times.seconds == before.seconds);
}
