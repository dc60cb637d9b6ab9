// hitnet-run: train one configuration.
//   hitnet-run CONFIG [key=value ...] [--out DIR]     a new run
//   hitnet-run --resume DIR                            continue an interrupted run
// Exit status: 0 finished, 1 failure, 2 bad config or command line, 3 diverged, 130 interrupted.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/util/cpu_support.hpp"
#include "experiments/lib/run_directory.hpp"
#include "experiments/lib/trainer.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;

namespace {
void request_stop(int) {
  g_stop_requested = true;
}
}  // namespace

int main(int argc, char** argv) {
  require_cpu_support("hitnet-run");
  CLI::App app{"Train one quantized recurrent language model configuration."};
  app.set_version_flag("--version",
                       std::string("hitnet-run ") + kVersion + " (" + kGitRevision + ")");
  std::string config_path, out_dir, resume_dir;
  std::vector<std::string> overrides;
  int threads = -1;
  long long stop_after = 0;
  bool force = false, print_config = false, list_keys = false;
  app.add_option("config", config_path, "YAML config file (e.g. configs/ptb_lstm_ternary.yaml)");
  app.add_option("overrides", overrides,
                 "key=value overrides, e.g. train.epochs=2 model.hidden=200");
  app.add_option("--out", out_dir, "run directory (default: results/runs/<name>_<hash>)");
  app.add_option("--resume", resume_dir, "continue the interrupted run in this directory")
      ->excludes("config");
  app.add_option("--threads", threads, "OpenMP threads (same as threads=N; 0 = all cores)");
  app.add_option("--stop-after-batches", stop_after,
                 "stop (checkpointed, resumable) after this many batches in this session");
  app.add_flag("--force", force, "replace a run already in the output directory");
  app.add_flag("--print-config", print_config,
               "print the resolved config and its hash, then exit without training");
  app.add_flag("--list-keys", list_keys,
               "list every config key with its default, type and meaning");
  CLI11_PARSE(app, argc, argv);
  if (list_keys) {
    std::cout << describe_keys();
    return 0;
  }

  Config cfg;
  std::string run_dir;
  try {
    if (!resume_dir.empty()) {
      run_dir = resume_dir;
      cfg = load_config(resume_dir + "/config.yaml");
    } else {
      if (config_path.empty()) {
        std::cerr << "hitnet-run: a CONFIG file (or --resume DIR) is required; see --help\n";
        return 2;
      }
      if (threads >= 0) overrides.push_back("threads=" + std::to_string(threads));
      cfg = load_config(config_path, overrides);
      run_dir = out_dir.empty() ? default_run_dir(cfg) : out_dir;
    }
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << to_yaml(cfg) << "# config_hash: " << config_hash(cfg) << "\n";
    return 0;
  }

  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  try {
    TrainerOptions options;
    options.run_dir = run_dir;
    options.resume = !resume_dir.empty();
    options.live_progress = isatty(STDOUT_FILENO);
    options.data_root = data_root_for(cfg.data.path);
    options.stop_after_batches = stop_after;
    const RunDirLock lock(run_dir);
    if (!options.resume) prepare_run_dir(run_dir, cfg, force);
    const RunResult r = train(cfg, options);
    switch (r.status) {
      case RunStatus::kFinished:
        return 0;
      case RunStatus::kDiverged:
        return 3;
      case RunStatus::kInterrupted:
        return 130;
    }
  } catch (const DataError& e) {
    std::cerr << "hitnet-run: data: " << e.what() << "\n";
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
  }
  return 1;
}
