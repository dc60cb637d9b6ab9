// hitnet-run: train one configuration.
//   hitnet-run CONFIG [key=value ...] [--out DIR]     a new run
//   hitnet-run --resume DIR [--threads N]              continue an interrupted run
// Exit status: 0 finished, 1 failure, 2 bad config or command line, 3 diverged, 130 interrupted.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/io/checkpoint_files.hpp"
#include "core/util/cpu_support.hpp"
#include "experiments/lib/command_line.hpp"
#include "experiments/lib/exit_codes.hpp"
#include "experiments/lib/memory_estimate.hpp"
#include "experiments/lib/run_directory.hpp"
#include "experiments/lib/trainer.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

void request_stop(int) {
  g_stop_requested = true;
}

// Ctrl-C, a kill, a closed terminal or a lost ssh session: finish the batch, checkpoint, exit
// 130. A closed stdout (a sweep driver that died, `| head`) must not kill the run either: its
// progress then goes only to log.txt, which is the record.
void install_signal_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, request_stop);
  std::signal(SIGPIPE, SIG_IGN);
}

int usage_error(const std::string& message) {
  std::cerr << "hitnet-run: " << message << "\n";
  return kUsageExit;
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
  app.add_option("--resume", resume_dir,
                 "continue the run in this directory (its own config; --threads may change)");
  app.add_option("--threads", threads, "OpenMP threads (same as threads=N; 0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--stop-after-batches", stop_after,
                 "stop (checkpointed, resumable) after this many batches in this session")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--force", force, "replace a run already in the output directory");
  app.add_flag("--print-config", print_config,
               "print the resolved config and its hash, then exit without training");
  app.add_flag("--list-keys", list_keys,
               "list every config key with its default, type and meaning");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  if (list_keys) {
    std::cout << describe_keys();
    return 0;
  }
  const bool resume = !resume_dir.empty();
  if (resume && (!config_path.empty() || !overrides.empty()))
    return usage_error("--resume continues a run with the config it started with (" + resume_dir +
                       "/config.yaml); it takes no CONFIG or key=value overrides (got '" +
                       (config_path.empty() ? overrides.front() : config_path) +
                       "'). Start a new run to change the config.");
  if (resume && (!out_dir.empty() || force))
    return usage_error("--resume DIR writes into DIR; --out and --force do not apply to it");

  // The thread count belongs to the process, not to the run (it is not part of the config
  // hash), so --threads applies to a resumed run too; as an override it is range-checked.
  std::vector<std::string> threads_override;
  if (threads >= 0) threads_override.push_back("threads=" + std::to_string(threads));
  Config cfg;
  std::string run_dir;
  try {
    if (resume) {
      run_dir = resume_dir;
      if (!fs::exists(run_dir + "/config.yaml"))
        return usage_error("--resume " + run_dir + ": no run there (" + run_dir +
                           "/config.yaml does not exist)");
      cfg = load_config(run_dir + "/config.yaml", threads_override);
    } else {
      if (config_path.empty())
        return usage_error("a CONFIG file (or --resume DIR) is required; see --help");
      overrides.insert(overrides.end(), threads_override.begin(), threads_override.end());
      cfg = load_config(config_path, overrides);
      run_dir = out_dir.empty() ? default_run_dir(cfg) : out_dir;
    }
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
    return exit_code::kBadConfig;
  }
  if (print_config) {
    std::cout << to_yaml(cfg) << "# config_hash: " << config_hash(cfg) << "\n";
    return 0;
  }
  if (fs::exists(run_dir) && !fs::is_directory(run_dir))
    return usage_error((out_dir.empty() ? "run directory " : "--out ") + run_dir +
                       " is an existing file, not a directory");

  install_signal_handlers();
  try {
    TrainerOptions options;
    options.run_dir = run_dir;
    options.resume = resume;
    options.live_progress = isatty(STDOUT_FILENO);
    options.data_root = data_root_for(cfg.data.path);
    options.stop_after_batches = stop_after;
    // Refuse a model the machine cannot hold before anything is written or allocated.
    if (const auto available = available_memory_bytes()) {
      const Corpus corpus = load_corpus(cfg.data, options.data_root);
      check_memory_fits(cfg, corpus.vocab.size(),
                        double(corpus.train.size() + corpus.valid.size() + corpus.test.size()),
                        *available);
    }
    const RunDirLock lock(run_dir);
    if (resume) {
      if (const auto summary = finished_summary(run_dir)) {
        char ppl[32] = "?";
        if (const auto it = summary->find("test_ppl"); it != summary->end() && it->is_number())
          std::snprintf(ppl, sizeof ppl, "%.2f", it->get<double>());
        std::cout << run_dir << " is already finished (test ppl " << ppl
                  << "); nothing to resume, nothing changed\n";
        return 0;
      }
      remove_stale_temporaries(lock);
      if (!has_resume_checkpoint(run_dir + "/checkpoints")) {
        std::cerr << "hitnet-run: " << run_dir
                  << " has no checkpoint yet (it stopped before its first one): starting it "
                     "from the beginning there\n";
        options.resume = false;
      }
    } else {
      prepare_run_dir(run_dir, cfg, force);
      remove_stale_temporaries(lock);
    }
    const RunResult r = train(cfg, options);
    switch (r.status) {
      case RunStatus::kFinished:
        return exit_code::kFinished;
      case RunStatus::kDiverged:
        return exit_code::kDiverged;
      case RunStatus::kInterrupted:
        return exit_code::kInterrupted;
    }
  } catch (const DataError& e) {
    std::cerr << "hitnet-run: data: " << e.what() << "\n";
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
    return exit_code::kBadConfig;
  } catch (const std::exception& e) {
    std::cerr << "hitnet-run: " << e.what() << "\n";
  }
  return exit_code::kFailed;
}
