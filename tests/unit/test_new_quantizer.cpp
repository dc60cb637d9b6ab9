// The one-file claim: a quantizer written the way a researcher adds one, here in a test file,
// with nothing else edited. Its registration line is all the config, --list-keys, did-you-mean
// and the model builder need.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/config/load.hpp"
#include "core/quant/registry.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/train_step.hpp"

using namespace hitnet;

namespace {

// "step": q = level·round(x / level), the straight-through gradient inside ±clip_at.
class StepQuantizer final : public Quantizer {
 public:
  explicit StepQuantizer(const QuantOptions& o)
      : level_(float(o.number("level"))), clip_at_(float(o.number("clip_at"))) {}
  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    for (std::size_t i = 0; i < n; ++i) {
      q[i] = level_ * std::round(x[i] / level_);
      if (mask) mask[i] = std::abs(x[i]) <= clip_at_ ? 1.0f : 0.0f;
    }
  }
  std::string describe() const override { return "step"; }

 private:
  float level_, clip_at_;
};

[[maybe_unused]] const bool kRegistered =
    register_quantizer({"step_fixture",
                        "level·round(x/level) (a test fixture)",
                        {{"level", 0.05, "grid step", greater_than(0)},
                         {"clip_at", 1.0, "gradient passes where |x| <= clip_at", greater_than(0)}},
                        [](const QuantOptions& o, Domain) -> QuantizerPtr {
                          return std::make_unique<StepQuantizer>(o);
                        }});

Config tiny(const std::vector<std::string>& overrides) {
  return load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", overrides);
}

}  // namespace

TEST_CASE("a quantizer in one file: config, key listing, suggestions and training see it",
          "[quant][config]") {
  CHECK(find_quantizer("step_fixture") != nullptr);
  const Config cfg = tiny({"quant.weight_quant={method: step_fixture, level: 0.02}",
                           "quant.tanh_quant.method=step_fixture"});
  CHECK(resolve(cfg.quant.weight_quant).number("level") == 0.02);
  CHECK(resolve(cfg.quant.tanh_quant).number("clip_at") == 1.0);  // its declared default
  CHECK_THAT(to_yaml(cfg), Catch::Contains("{method: step_fixture, level: 0.02, clip_at: 1.0}"));

  CHECK_THAT(describe_keys(), Catch::Contains("step_fixture: level·round(x/level)") &&
                                  Catch::Contains("level = 0.05"));
  try {
    tiny({"quant.weight_quant={method: step_fixture, levle: 0.02}"});
    FAIL("a misspelled option was accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("quant.weight_quant.levle: unknown key") &&
                             Catch::Contains("did you mean 'quant.weight_quant.level'"));
  }
  CHECK_THROWS_WITH(tiny({"quant.weight_quant={method: step_fixture, level: 0}"}),
                    Catch::Contains("quant.weight_quant.level: must be > 0, got 0"));
  CHECK_THROWS_WITH(tiny({"quant.weight_quant={method: step_fixture, bits: 3}"}),
                    Catch::Contains("step_fixture has no option 'bits'"));

  // The model builder picks it up, and a training step goes through it.
  auto model = build_model(cfg, cfg.data.synthetic_vocab);
  Rng rng(1);
  model->init_uniform(0.1f, rng);
  TrainStep step(cfg, *model);
  std::vector<int32_t> tokens(size_t(cfg.data.bptt * cfg.data.batch_size), 3);
  const Window w{cfg.data.bptt, cfg.data.batch_size, tokens.data(), tokens.data()};
  ModelState state = model->initial_state(w.batch);
  const StepStats s = step(w, state, rng, 0.01f);
  CHECK(std::isfinite(s.nll));
  const auto weights = model->weights();
  const auto q = weights.front().quantized->values();
  for (Eigen::Index k = 0; k < q.size(); ++k)  // every value on the 0.02 grid
    CHECK(std::abs(q.data()[k] / 0.02f - std::round(q.data()[k] / 0.02f)) < 1e-4f);
}
