// hitnet-bench: training and evaluation speed of a config's model on synthetic windows, next to
// the machine's own GEMM throughput measured in the same process.
//   hitnet-bench CONFIG [key=value ...] [--seconds S] [--gemm N] [--json FILE]
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/util/blas_kernel.hpp"
#include "core/util/cpu_support.hpp"
#include "core/util/threads.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/command_line.hpp"
#include "experiments/lib/evaluation.hpp"
#include "experiments/lib/gemm_benchmark.hpp"
#include "experiments/lib/memory_estimate.hpp"
#include "experiments/lib/packed_bench.hpp"
#include "experiments/lib/run_directory.hpp"
#include "experiments/lib/train_step.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;
using Clock = std::chrono::steady_clock;

namespace {

// Tokens per second of `step` run on random windows for about `seconds` (after a warm-up, at the
// end of which `on_start` is called).
template <typename Step, typename OnStart = void (*)()>
double tokens_per_second(
    Step step, int tokens_per_window, double seconds, OnStart on_start = [] {}) {
  step();
  step();
  on_start();
  int windows = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    step();
    ++windows;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return double(windows) * tokens_per_window / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  require_cpu_support("hitnet-bench");
  CLI::App app{
      "Measure training/evaluation tokens/s of a config's model against this machine's GEMM."};
  app.set_version_flag("--version",
                       std::string("hitnet-bench ") + kVersion + " (" + kGitRevision + ")");
  std::string config_path, json_path;
  std::vector<std::string> overrides;
  double seconds = 10;
  int gemm_n = 1024, vocab = 0;
  app.add_option("config", config_path, "YAML config file")->required();
  app.add_option("overrides", overrides, "key=value overrides");
  app.add_option("--seconds", seconds, "seconds per measurement")->check(CLI::PositiveNumber);
  app.add_option("--gemm", gemm_n, "size n of the n x n x n reference SGEMM")
      ->check(CLI::PositiveNumber);
  app.add_option("--vocab", vocab, "vocabulary size (default: the config's corpus)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", json_path, "also write the figures to this JSON file");
  bool packed = false;
  app.add_flag("--packed", packed,
               "measure the packed ternary inference path against float32 instead of training");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;

  Config cfg;
  try {
    cfg = load_config(config_path, overrides);
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-bench: " << e.what() << "\n";
    return 2;
  }
  try {
    if (vocab <= 0) vocab = load_corpus(cfg.data, data_root_for(cfg.data.path)).vocab.size();
    // As hitnet-run: a model the machine cannot hold is refused before it is allocated.
    if (const auto available = available_memory_bytes())
      check_memory_fits(cfg, vocab, /*corpus_tokens=*/0, *available);
    const int threads = set_thread_count(cfg.threads);
    if (packed) {
      const nlohmann::json figures = run_packed_bench(cfg, vocab, seconds);
      if (!json_path.empty()) std::ofstream(json_path) << figures.dump(2) << "\n";
      return 0;
    }

    auto model = build_model(cfg, vocab);
    Rng rng(cfg.seed);
    model->init_uniform(static_cast<float>(cfg.model.init_range), rng);
    const int steps = cfg.data.bptt, batch = cfg.data.batch_size;
    std::vector<int32_t> inputs(size_t(steps) * batch), targets(inputs.size());
    std::uniform_int_distribution<int32_t> token(0, vocab - 1);
    for (size_t k = 0; k < inputs.size(); ++k) inputs[k] = token(rng), targets[k] = token(rng);
    const Window w{steps, batch, inputs.data(), targets.data()};
    ModelState state = model->initial_state(batch);

    // The trainer's own step (experiments/lib/train_step.hpp): forward, backward, clip, the
    // configured optimizer's update.
    TrainStep step(cfg, *model);
    PhaseTimes phases;
    int train_steps = 0;
    auto train_step = [&] { step(w, state, rng, float(cfg.train.lr)), ++train_steps; };
    auto watch_phases = [&] { step.watch_phases(&phases), train_steps = 0; };
    auto eval_step = [&] { evaluate_window(*model, step.data_parallel(), w, state, rng); };

    const double gemm = measure_gemm_gflops(gemm_n, std::min(seconds, 3.0));
    const double train_tps = tokens_per_second(train_step, steps * batch, seconds, watch_phases);
    step.watch_phases(nullptr);
    const double eval_tps = tokens_per_second(eval_step, steps * batch, seconds / 2);
    const double flops = model->train_flops_per_token();
    const double train_gflops = train_tps * flops / 1e9;

    std::printf(
        "model: %s %dx%d, embedding %d, vocab %d, bptt %d, batch %d, threads %d, gemm %s "
        "(kernel %s, %s threads)\n",
        cfg.model.cell.c_str(), cfg.model.layers, cfg.model.hidden, cfg.model.embedding, vocab,
        steps, batch, threads, kGemmBackend, gemm_kernel().c_str(), blas_thread_model().c_str());
    std::printf("train: %.0f tokens/s\n", train_tps);
    std::printf("eval: %.0f tokens/s\n", eval_tps);
    std::printf("flops/token (train): %.3g\n", flops);
    std::printf("train: %.1f GFLOP/s\n", train_gflops);
    std::printf("gemm %dx%dx%d: %.1f GFLOP/s\n", gemm_n, gemm_n, gemm_n, gemm);
    std::printf("ratio to GEMM: %.2f\n", train_gflops / gemm);
    std::printf("%-20s %9s %7s\n", "phase", "ms/step", "share");
    nlohmann::json phase_json;
    for (int p = 0; p < kPhaseCount; ++p) {
      const double per_step = phases.seconds[std::size_t(p)] / train_steps;
      std::printf("%-20s %9.2f %6.1f%%\n", phase_name(Phase(p)), 1e3 * per_step,
                  100.0 * phases.seconds[std::size_t(p)] / phases.total());
      phase_json[phase_name(Phase(p))] = per_step;
    }
    std::printf("%-20s %9.2f %6.1f%%\n", "step", 1e3 * phases.total() / train_steps, 100.0);
    if (!json_path.empty()) {
      nlohmann::json j = {{"config", config_path},
                          {"overrides", overrides},
                          {"threads", threads},
                          {"gemm_backend", kGemmBackend},
                          {"gemm_kernel", gemm_kernel()},
                          {"blas_threads", blas_thread_model()},
                          {"train_tokens_per_s", train_tps},
                          {"eval_tokens_per_s", eval_tps},
                          {"flops_per_token", flops},
                          {"train_gflops", train_gflops},
                          {"gemm_n", gemm_n},
                          {"gemm_gflops", gemm},
                          {"ratio_to_gemm", train_gflops / gemm},
                          {"phase_seconds_per_step", phase_json}};
      std::ofstream(json_path) << j.dump(2) << "\n";
    }
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-bench: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hitnet-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
