// The training loop end to end, in process: a tiny model learns a synthetic corpus, runs are
// deterministic for a seed and thread count, and an interrupted run resumed from its
// checkpoint ends with exactly the metrics of an uninterrupted one.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/config/load.hpp"
#include "experiments/lib/run_directory.hpp"
#include "experiments/lib/trainer.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

Config tiny(const std::vector<std::string>& overrides = {}) {
  return load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", overrides);
}

std::string fresh_dir(const std::string& name) {
  const std::string dir = std::string(HITNET_BINARY_DIR) + "/test-runs/" + name;
  fs::remove_all(dir);
  return dir;
}

RunResult run_in(const std::string& dir, const Config& cfg, long long stop_after = 0,
                 bool resume = false) {
  if (!resume) prepare_run_dir(dir, cfg, false);
  TrainerOptions opt;
  opt.run_dir = dir;
  opt.resume = resume;
  opt.stop_after_batches = stop_after;
  return train(cfg, opt);
}

nlohmann::json summary(const std::string& dir) {
  std::ifstream in(dir + "/summary.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("a tiny LSTM learns the synthetic corpus far below the uniform baseline", "[training]") {
  const Config cfg = tiny();
  const std::string dir = fresh_dir("learns_lstm");
  const RunResult r = run_in(dir, cfg);
  REQUIRE(r.status == RunStatus::kFinished);
  const double uniform = cfg.data.synthetic_vocab;  // perplexity of guessing uniformly
  CHECK(r.test_ppl < 0.5 * uniform);
  CHECK(r.best_valid_ppl < 0.5 * uniform);
  const auto s = summary(dir);
  CHECK(s["status"] == "finished");
  CHECK(s["epochs"] == cfg.train.epochs);
  CHECK(s["test_ppl"].get<double>() == Approx(r.test_ppl));
  CHECK(s["config_hash"] == config_hash(cfg));
  CHECK(s["train_tokens_per_s"].get<double>() > 0);
  CHECK(fs::exists(dir + "/checkpoints/best.ckpt"));
  CHECK(fs::exists(dir + "/checkpoints/latest.ckpt"));
  CHECK(fs::exists(dir + "/results.h5"));
  CHECK(fs::exists(dir + "/log.txt"));
}

TEST_CASE("a tiny GRU with dropout learns the synthetic corpus", "[training]") {
  const Config cfg = tiny({"model.cell=gru", "model.layers=2", "model.dropout=0.2"});
  const RunResult r = run_in(fresh_dir("learns_gru"), cfg);
  REQUIRE(r.status == RunStatus::kFinished);
  CHECK(r.test_ppl < 0.5 * cfg.data.synthetic_vocab);
}

TEST_CASE("runs are deterministic for a seed and thread count", "[training]") {
  const Config cfg = tiny({"model.dropout=0.3", "train.epochs=2", "threads=2"});
  const RunResult a = run_in(fresh_dir("determinism_a"), cfg);
  const RunResult b = run_in(fresh_dir("determinism_b"), cfg);
  CHECK(a.best_valid_ppl == b.best_valid_ppl);
  CHECK(a.test_ppl == b.test_ppl);
  const RunResult c = run_in(fresh_dir("determinism_c"),
                             tiny({"model.dropout=0.3", "train.epochs=2", "threads=2", "seed=2"}));
  CHECK(c.test_ppl != a.test_ppl);
}

TEST_CASE("a resumed run ends with the metrics of an uninterrupted one", "[training]") {
  // Dropout draws from the run's generator, so this also checks that its state is restored.
  const Config cfg = tiny({"model.dropout=0.3", "train.optimizer=adam"});
  const RunResult whole = run_in(fresh_dir("resume_whole"), cfg);

  const std::string dir = fresh_dir("resume_parts");
  // Stop in the middle of epoch 2, then once more in epoch 3, then run to the end.
  const RunResult first = run_in(dir, cfg, 250);  // 200 batches per epoch
  REQUIRE(first.status == RunStatus::kInterrupted);
  CHECK(summary(dir)["status"] == "interrupted");
  const RunResult second = run_in(dir, cfg, 170, true);
  REQUIRE(second.status == RunStatus::kInterrupted);
  const RunResult rest = run_in(dir, cfg, 0, true);
  REQUIRE(rest.status == RunStatus::kFinished);
  CHECK(rest.best_valid_ppl == whole.best_valid_ppl);
  CHECK(rest.test_ppl == whole.test_ppl);
  CHECK(summary(dir)["epochs"] == cfg.train.epochs);
}

TEST_CASE("a new run refuses a directory that holds one", "[training]") {
  const Config cfg = tiny({"train.epochs=1", "train.max_batches=2"});
  const std::string dir = fresh_dir("refuse");
  run_in(dir, cfg);
  CHECK_THROWS_WITH(prepare_run_dir(dir, cfg, false), Catch::Contains("already holds a run"));
  CHECK_NOTHROW(prepare_run_dir(dir, cfg, true));
}

TEST_CASE("a HitNet-quantized model learns the synthetic corpus", "[training][quant]") {
  // Ternary weights (TTQ), Bernoulli-ternary gates (BTQ), steeper nonlinearities.
  const std::vector<std::string> hitnet = {"quant.weight_quant=ttq", "quant.sigmoid_quant=btq",
                                           "quant.tanh_quant=btq", "quant.sloping_factor=0.5"};
  SECTION("LSTM, BTQ evaluated by its expectation") {
    const Config cfg = tiny(hitnet);
    const RunResult r = run_in(fresh_dir("hitnet_lstm"), cfg);
    REQUIRE(r.status == RunStatus::kFinished);
    CHECK(r.test_ppl < 0.2 * cfg.data.synthetic_vocab);
  }
  SECTION("GRU, BTQ sampled at evaluation: mean and spread over passes") {
    auto overrides = hitnet;
    for (const char* o : {"model.cell=gru", "quant.sigmoid_quant.eval=sample",
                          "quant.tanh_quant.eval=sample", "quant.eval_samples=3"})
      overrides.push_back(o);
    const Config cfg = tiny(overrides);
    const std::string dir = fresh_dir("hitnet_gru_sampled");
    const RunResult r = run_in(dir, cfg);
    REQUIRE(r.status == RunStatus::kFinished);
    CHECK(r.test_ppl < 0.2 * cfg.data.synthetic_vocab);
    CHECK(r.test_ppl_std > 0.0);  // sampled passes differ
    const auto s = summary(dir);
    CHECK(s["eval_samples"] == 3);
    CHECK(s["test_ppl_std"].get<double>() == Approx(r.test_ppl_std));
  }
}
