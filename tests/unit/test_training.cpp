// The training loop end to end, in process: a tiny model learns a synthetic corpus, runs are
// deterministic for a seed and thread count, and an interrupted run resumed from its
// checkpoint ends with exactly the metrics of an uninterrupted one.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/config/load.hpp"
#include "core/io/checkpoint.hpp"
#include "core/io/hdf5.hpp"
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

// Makes an interrupted run in `dir` look written by an older hitnet: its resume checkpoints
// carry `checkpoint_hash` (and, unless `with_config`, no config, as before they carried one),
// its results.h5 records `recorded_hash` as the hash at its start.
void as_if_written_by(const std::string& dir, const std::string& checkpoint_hash,
                      const std::string& recorded_hash, bool with_config) {
  for (const std::string name : {"latest.ckpt", "previous.ckpt"}) {  // best.ckpt: parameters
    const std::string path = dir + "/checkpoints/" + name;
    if (!fs::exists(path)) continue;
    Checkpoint ck = Checkpoint::load(path);
    REQUIRE(ck.has("config"));
    if (!with_config) ck.erase("config");
    ck.put("config_hash", checkpoint_hash);
    ck.save(path);
  }
  h5::QuietErrors quiet;
  h5::Handle f = h5::open_file(dir + "/results.h5", true);
  h5::write_attr(f, "config_hash", recorded_hash);
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

TEST_CASE("a run resumes a checkpoint of its own written by an older hitnet", "[training]") {
  // An older hitnet hashed the same config otherwise (a key added since enters every hash with
  // its default): its checkpoint and results.h5 carry that hash, and the resume must go on.
  const Config cfg = tiny({"train.epochs=2"});
  const RunResult whole = run_in(fresh_dir("older_whole"), cfg);
  const std::string dir = fresh_dir("older_parts");
  REQUIRE(run_in(dir, cfg, 250).status == RunStatus::kInterrupted);
  const std::string older = "0123456789ab";
  as_if_written_by(dir, older, older, /*with_config=*/false);  // before checkpoints carried it
  const RunResult rest = run_in(dir, cfg, 0, true);
  REQUIRE(rest.status == RunStatus::kFinished);
  CHECK(rest.test_ppl == whole.test_ppl);
  // Two upgrades apart: the checkpoint's hash is neither the one results.h5 recorded at the start
  // nor today's, and the config it carries is what identifies it.
  const std::string twice = fresh_dir("older_twice");
  REQUIRE(run_in(twice, cfg, 250).status == RunStatus::kInterrupted);
  as_if_written_by(twice, "ba9876543210", older, /*with_config=*/true);
  const RunResult twice_rest = run_in(twice, cfg, 0, true);
  REQUIRE(twice_rest.status == RunStatus::kFinished);
  CHECK(twice_rest.test_ppl == whole.test_ppl);
  // Another config under the old hash is still refused: the recorded config must be this one.
  const std::string other = fresh_dir("older_other");
  REQUIRE(run_in(other, cfg, 250).status == RunStatus::kInterrupted);
  CHECK_THROWS_WITH(run_in(other, tiny({"train.epochs=2", "train.lr=0.5"}), 0, true),
                    Catch::Contains("checkpoint was written by a run with config hash"));
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
  SECTION("LSTM, BTQ evaluated deterministically (the default)") {
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

namespace {

// One per-epoch series of a run's results.h5 (/metrics/<name>).
std::vector<double> metric(const std::string& dir, const std::string& name) {
  h5::Handle file = h5::open_file(dir + "/results.h5", false);
  h5::Handle metrics = h5::open_group(file, "metrics");
  return h5::read_doubles(h5::open_dataset(metrics, name));
}

const std::vector<std::string> kHitnet = {"quant.weight_quant=ttq", "quant.sigmoid_quant=btq",
                                          "quant.tanh_quant=btq", "quant.sloping_factor=0.5",
                                          "quant.eval_samples=4"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("a ternary model is tested as a ternary model, every mode beside the headline",
          "[training][quant]") {
  const Config cfg = tiny(with(kHitnet, {"train.epochs=2"}));
  const std::string dir = fresh_dir("hitnet_modes");
  const RunResult r = run_in(dir, cfg);
  REQUIRE(r.status == RunStatus::kFinished);
  const auto s = summary(dir);
  CHECK(s["eval_mode"] == "deterministic");
  CHECK(s["eval_samples"] == 1);
  const auto& by = s["test_ppl_by_mode"];
  REQUIRE(by.contains("deterministic"));
  CHECK(by["deterministic"]["ppl"].get<double>() == s["test_ppl"].get<double>());
  CHECK(by["sample"]["passes"] == 4);
  CHECK(by["sample"]["std"].get<double>() > 0);
  CHECK(by["expectation"]["passes"] == 1);
  // Expectation is BTQ's identity: full-precision activations, another number altogether.
  CHECK(by["expectation"]["ppl"].get<double>() != by["deterministic"]["ppl"].get<double>());
  // A full-precision model has no modes to compare.
  const std::string fp_dir = fresh_dir("fp_modes");
  run_in(fp_dir, tiny({"train.epochs=1"}));
  CHECK_FALSE(summary(fp_dir).contains("test_ppl_by_mode"));
  CHECK(summary(fp_dir)["eval_mode"] == "deterministic");
}

TEST_CASE("sampled evaluation validates over eval_samples passes too", "[training][quant]") {
  const Config cfg = tiny(with(kHitnet, {"train.epochs=2", "quant.sigmoid_quant.eval=sample",
                                         "quant.tanh_quant.eval=sample"}));
  const std::string dir = fresh_dir("hitnet_sampled_validation");
  REQUIRE(run_in(dir, cfg).status == RunStatus::kFinished);
  for (double spread : metric(dir, "valid_ppl_std")) CHECK(spread > 0);  // several passes
  const auto s = summary(dir);
  CHECK(s["eval_mode"] == "sample");
  CHECK(s["eval_samples"] == 4);
}

TEST_CASE("results record gradient norms, clipping and quantization errors per epoch",
          "[training][quant]") {
  const Config cfg = tiny(with(kHitnet, {"train.epochs=2", "train.clip=0.05"}));
  const std::string dir = fresh_dir("hitnet_diagnostics");
  REQUIRE(run_in(dir, cfg).status == RunStatus::kFinished);
  const auto mean = metric(dir, "grad_norm_mean"), max = metric(dir, "grad_norm_max");
  REQUIRE(mean.size() == 2);
  for (std::size_t e = 0; e < 2; ++e) CHECK((0 < mean[e] && mean[e] <= max[e]));
  for (double f : metric(dir, "clipped_frac")) CHECK((f > 0.5 && f <= 1.0));  // a tight clip
  // Ternary weights and gates carry an error; between 0 and 1 for a TTQ weight.
  for (const char* tensor : {"qerr.lstm0.w_hh", "qerr.lstm0.w_ih", "qerr.lstm0.i", "qerr.lstm0.g"})
    for (double e : metric(dir, tensor)) CHECK((e > 0.05 && e < 1.0));
}

TEST_CASE("every epoch starts from a zero carried state", "[training]") {
  const Config cfg = tiny({"train.epochs=1"});
  const std::string dir = fresh_dir("state_reset");
  run_in(dir, cfg, 5);  // stopped mid-epoch: the carried state is in the checkpoint
  const Checkpoint mid = Checkpoint::load(dir + "/checkpoints/latest.ckpt");
  CHECK(mid.floats("state.h.0").cwiseAbs().maxCoeff() > 0);
  run_in(dir, cfg, 0, true);  // to the end: the epoch-end checkpoint resumes from zeros
  const Checkpoint end = Checkpoint::load(dir + "/checkpoints/latest.ckpt");
  CHECK(end.floats("state.h.0").cwiseAbs().maxCoeff() == 0);
  CHECK(end.floats("state.c.0").cwiseAbs().maxCoeff() == 0);
}

TEST_CASE("a stop request is honoured during validation and during the test", "[training]") {
  // One batch of training, then 2 million tokens to validate and as many to test (seconds
  // each): a stop requested once an evaluation has begun lands inside it. Each phase announces
  // itself by a file: latest.ckpt is written after the batch (checkpoint_every 1), just before
  // validation; best.ckpt once validation has finished, just before the test.
  const Config cfg = tiny({"data.synthetic_tokens=20000000", "train.max_batches=1",
                           "train.epochs=1", "train.checkpoint_every=1"});
  const RunResult whole = run_in(fresh_dir("stop_in_eval_whole"), cfg);
  REQUIRE(whole.status == RunStatus::kFinished);

  const std::string dir = fresh_dir("stop_in_eval");
  auto stop_once_written = [](const std::string& file) {
    return std::thread([file] {
      while (!fs::exists(file)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      g_stop_requested = true;
    });
  };
  std::thread watcher = stop_once_written(dir + "/checkpoints/latest.ckpt");
  const RunResult in_validation = run_in(dir, cfg);
  watcher.join();
  g_stop_requested = false;
  REQUIRE(in_validation.status == RunStatus::kInterrupted);
  CHECK(summary(dir)["status"] == "interrupted");
  CHECK_FALSE(fs::exists(dir + "/checkpoints/best.ckpt"));  // validation never finished

  watcher = stop_once_written(dir + "/checkpoints/best.ckpt");
  const RunResult in_test = run_in(dir, cfg, 0, true);
  watcher.join();
  g_stop_requested = false;
  REQUIRE(in_test.status == RunStatus::kInterrupted);
  CHECK(summary(dir)["status"] == "interrupted");

  const RunResult rest = run_in(dir, cfg, 0, true);
  REQUIRE(rest.status == RunStatus::kFinished);
  CHECK(rest.best_valid_ppl == whole.best_valid_ppl);
  CHECK(rest.test_ppl == whole.test_ppl);
}

TEST_CASE("a diverged run records no best epoch", "[training]") {
  const std::string dir = fresh_dir("diverged");
  const RunResult r = run_in(dir, tiny({"train.lr=1e30", "train.clip=0"}));
  REQUIRE(r.status == RunStatus::kDiverged);
  const auto s = summary(dir);
  CHECK(s["status"] == "diverged");
  CHECK(s["best_valid_ppl"].is_null());
  CHECK(s["best_epoch"].is_null());
  CHECK_THAT(s.value("reason", ""),
             Catch::Contains("perplexity is inf"));  // why, beside the status
}

TEST_CASE("init.from starts from another run's best parameters", "[training]") {
  const std::string source = fresh_dir("warm_source");
  run_in(source, tiny({"train.epochs=2"}));
  const std::string cold = fresh_dir("warm_cold"), warm = fresh_dir("warm_warm");
  run_in(cold, tiny(with(kHitnet, {"train.epochs=1"})));
  run_in(warm, tiny(with(kHitnet, {"train.epochs=1", "init.from=" + source})));
  // Fine-tuned from a trained model, the first epoch is far ahead of a cold start.
  CHECK(metric(warm, "train_loss")[0] < metric(cold, "train_loss")[0] - 0.3);
  // The run records which parameters it started from (the source may still be training).
  std::string from;
  {
    h5::QuietErrors quiet;
    h5::Handle f = h5::open_file(warm + "/results.h5", false);
    from = h5::read_string_attr(f, "init_from");
    CHECK_THAT(from, Catch::StartsWith(source + "/checkpoints/best.ckpt (epoch "));
    CHECK_THAT(from, Catch::Contains(", valid ppl ") && Catch::Contains(", sha256 "));
    CHECK(h5::read_string_attr(h5::open_file(cold + "/results.h5", false), "init_from").empty());
  }
  CHECK_THROWS_WITH(run_in(fresh_dir("warm_mismatch"),
                           tiny({"train.epochs=1", "model.hidden=16", "init.from=" + source})),
                    Catch::Contains("model.hidden is 32 there, 16 here"));
  CHECK_THROWS_WITH(
      run_in(fresh_dir("warm_missing"), tiny({"train.epochs=1", "init.from=/nonexistent/run"})),
      Catch::Contains("init.from '/nonexistent/run': no run there"));
  // A pinned checkpoint: the right hash loads, another is refused with both named.
  const std::string sha = from.substr(from.find("sha256 ") + 7, 64);
  CHECK(run_in(fresh_dir("warm_pinned"),
               tiny({"train.epochs=1", "init.from=" + source, "init.sha256=" + sha}))
            .status == RunStatus::kFinished);
  const std::string other(64, 'a');
  CHECK_THROWS_WITH(run_in(fresh_dir("warm_moved"),
                           tiny({"train.epochs=1", "init.from=" + source, "init.sha256=" + other})),
                    Catch::Contains("not the one init.sha256 pins (" + other + ")"));
  CHECK_THROWS_WITH(tiny({"init.sha256=" + sha}), Catch::Contains("set init.from too"));
  CHECK_THROWS_WITH(tiny({"init.from=" + source, "init.sha256=abc"}),
                    Catch::Contains("64 lowercase hex digits"));
  // A source that has not finished would hand each point of a study other parameters: refused,
  // unless its checkpoint is pinned.
  const std::string unfinished = fresh_dir("warm_unfinished");
  fs::copy(source, unfinished, fs::copy_options::recursive);
  {
    nlohmann::json s = summary(unfinished);
    s["status"] = "interrupted";
    std::ofstream(unfinished + "/summary.json") << s.dump();
  }
  CHECK_THROWS_WITH(run_in(fresh_dir("warm_from_unfinished"),
                           tiny({"train.epochs=1", "init.from=" + unfinished})),
                    Catch::Contains("the run has not finished"));
  CHECK(run_in(fresh_dir("warm_from_unfinished_pinned"),
               tiny({"train.epochs=1", "init.from=" + unfinished, "init.sha256=" + sha}))
            .status == RunStatus::kFinished);
  // A sweep directory: its one run of this model's shape.
  const std::string sweep = fresh_dir("warm_sweep");
  fs::create_directories(sweep + "/runs");
  fs::copy(source, sweep + "/runs/a_0123456789ab", fs::copy_options::recursive);
  const std::string gru = sweep + "/runs/b_ba9876543210";
  fs::create_directories(gru);
  std::ofstream(gru + "/config.yaml") << to_yaml(tiny({"model.cell=gru"}));
  const std::string via_sweep = fresh_dir("warm_via_sweep");
  run_in(via_sweep, tiny({"train.epochs=1", "init.from=" + sweep}));
  {
    h5::QuietErrors quiet;
    CHECK_THAT(h5::read_string_attr(h5::open_file(via_sweep + "/results.h5", false), "init_from"),
               Catch::StartsWith(sweep + "/runs/a_0123456789ab/checkpoints/best.ckpt"));
  }
  CHECK_THROWS_WITH(run_in(fresh_dir("warm_via_sweep_none"),
                           tiny({"train.epochs=1", "model.hidden=16", "init.from=" + sweep})),
                    Catch::Contains("no run of this sweep has the model's shape (lstm 1x16"));
  fs::copy(source, sweep + "/runs/c_aaaaaaaaaaaa", fs::copy_options::recursive);
  CHECK_THROWS_WITH(
      run_in(fresh_dir("warm_via_sweep_two"), tiny({"train.epochs=1", "init.from=" + sweep})),
      Catch::Contains("2 runs of this sweep have the model's shape") &&
          Catch::Contains("c_aaaaaaaaaaaa"));
  // A committed run directory has no checkpoints: say so, not just "file not found".
  const std::string bare = fresh_dir("warm_bare");
  fs::create_directories(bare);
  fs::copy_file(source + "/config.yaml", bare + "/config.yaml");
  CHECK_THROWS_WITH(
      run_in(fresh_dir("warm_from_bare"), tiny({"train.epochs=1", "init.from=" + bare})),
      Catch::Contains("the run has no best checkpoint"));
}

TEST_CASE("train.epochs 0 evaluates init.from's model, quantized as configured, untrained",
          "[training][quant]") {
  const std::string source = fresh_dir("ptq_source");
  const RunResult trained = run_in(source, tiny({"train.epochs=2"}));
  REQUIRE(trained.status == RunStatus::kFinished);
  // The same full-precision model, only evaluated: the source's own best validation and test.
  const std::string same = fresh_dir("ptq_same");
  const RunResult r = run_in(same, tiny({"train.epochs=0", "init.from=" + source}));
  REQUIRE(r.status == RunStatus::kFinished);
  CHECK(r.best_valid_ppl == Approx(trained.best_valid_ppl).epsilon(1e-9));
  CHECK(r.test_ppl == Approx(trained.test_ppl).epsilon(1e-9));
  const auto s = summary(same);
  CHECK(s["status"] == "finished");
  CHECK(s["best_epoch"] == 0);
  CHECK(s["epochs_run"] == 0);
  // Quantized after training (TTQ weights, BTQ activations): a different, worse model.
  const RunResult q = run_in(fresh_dir("ptq_hitnet"),
                             tiny(with(kHitnet, {"train.epochs=0", "init.from=" + source})));
  REQUIRE(q.status == RunStatus::kFinished);
  CHECK(q.test_ppl > trained.test_ppl * 1.01);
  // Without a model to start from there is nothing to evaluate.
  CHECK_THROWS_WITH(tiny({"train.epochs=0"}), Catch::Contains("set init.from"));
}
