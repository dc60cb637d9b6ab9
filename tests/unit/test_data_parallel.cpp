// Data-parallel training steps and evaluation (core/nn/data_parallel.hpp): slices of the batch
// on replicas that share the model's values give the one-model step's loss, gradient, update and
// evaluated loss to float rounding, carry every stream's state, and repeat bit for bit for the
// same seed.
#include <catch2/catch.hpp>

#include "core/config/load.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/evaluation.hpp"
#include "experiments/lib/train_step.hpp"

using namespace hitnet;

namespace {

Config tiny(std::vector<std::string> overrides) {
  return load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", overrides);
}

struct Trained {
  std::vector<StepStats> stats;
  Vector values;
  ModelState state;
  double eval_nll = 0;  // of the window after training, evaluated from the carried state
};

// Three steps from the same initial model on the same windows, with `slices` slices.
Trained train(const Config& cfg, int slices) {
  auto model = build_model(cfg, cfg.data.synthetic_vocab);
  Rng rng(5);
  model->init_uniform(0.1f, rng);
  TrainStep step(cfg, *model, slices);
  REQUIRE(step.slices() == std::min(slices, cfg.data.batch_size));
  const int n = cfg.data.bptt * cfg.data.batch_size;
  std::vector<int32_t> inputs, targets;
  for (int k = 0; k < n; ++k) inputs.push_back((k * 7) % 50), targets.push_back((k * 3 + 1) % 50);
  const Window w{cfg.data.bptt, cfg.data.batch_size, inputs.data(), targets.data()};
  Trained t;
  t.state = model->initial_state(w.batch);
  for (int k = 0; k < 3; ++k) t.stats.push_back(step(w, t.state, rng, 0.5f));
  t.values = model->parameters().values();
  ModelState eval_state = t.state;
  t.eval_nll = evaluate_window(*model, step.data_parallel(), w, eval_state, rng);
  return t;
}

double max_abs_diff(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("data-parallel slices give the one-model step to rounding", "[training][parallel]") {
  for (const char* cell : {"lstm", "gru"}) {
    // batch 10 over 2 and 3 slices (3 does not divide it: slices of 3, 3 and 4 streams)
    for (int slices : {2, 3}) {
      INFO(cell << ", " << slices << " slices");
      // Dropout off and deterministic quantizers: the same function, summed in another order.
      const Config cfg = tiny(
          {std::string("model.cell=") + cell, "train.optimizer=sgd", "quant.weight_quant=ttq"});
      const Trained one = train(cfg, 1), split = train(cfg, slices);
      for (std::size_t k = 0; k < one.stats.size(); ++k) {
        CHECK(split.stats[k].nll == Approx(one.stats[k].nll).epsilon(1e-5));
        CHECK(split.stats[k].grad_norm == Approx(one.stats[k].grad_norm).epsilon(1e-4));
      }
      CHECK(max_abs_diff(split.values, one.values) < 1e-5);
      CHECK(split.eval_nll == Approx(one.eval_nll).epsilon(1e-5));
      for (std::size_t l = 0; l < one.state.size(); ++l) {
        CHECK(max_abs_diff(split.state[l].h, one.state[l].h) < 1e-5);
        if (one.state[l].c.size()) CHECK(max_abs_diff(split.state[l].c, one.state[l].c) < 1e-5);
      }
    }
  }
}

TEST_CASE("data-parallel steps with dropout and sampled quantizers repeat bit for bit",
          "[training][parallel]") {
  const Config cfg =
      tiny({"model.dropout=0.3", "quant.sigmoid_quant={method: btq, train: sample}"});
  const Trained a = train(cfg, 2), b = train(cfg, 2);
  for (std::size_t k = 0; k < a.stats.size(); ++k) CHECK(a.stats[k].nll == b.stats[k].nll);
  CHECK(a.values == b.values);
  CHECK(a.eval_nll == b.eval_nll);
  // More slices than streams: one per stream.
  CHECK(train(tiny({"data.batch_size=2"}), 4).stats.size() == 3);
}
