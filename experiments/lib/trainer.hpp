#pragma once
// The training loop of one run: epochs of truncated-BPTT windows with the carried (detached)
// hidden state, gradient clipping and the optimizer; validation after every epoch, the
// learning-rate schedule, best-model tracking, checkpoints, histograms and the results files;
// at the end, test perplexity of the best model.
#include <atomic>
#include <string>

#include "core/config/config.hpp"

namespace hitnet {

enum class RunStatus { kFinished, kDiverged, kInterrupted };

struct RunResult {
  RunStatus status = RunStatus::kFinished;
  double best_valid_ppl = 0, test_ppl = 0, test_ppl_std = 0;
  int epochs_run = 0;
  double train_tokens_per_s = 0;
};

// Set (e.g. by a SIGINT handler) to stop after the current batch with a checkpoint.
extern std::atomic<bool> g_stop_requested;

struct TrainerOptions {
  std::string run_dir;          // exists; config.yaml already written there
  bool resume = false;          // continue from run_dir/checkpoints/latest.ckpt
  bool live_progress = false;   // a terminal: rewrite one progress line in place
  std::string data_root = ".";  // relative data paths resolve here
  // Stop (checkpointed, resumable) after this many training batches in this session, as if
  // interrupted; 0 = never. For time-sliced cluster jobs and the resume tests.
  long long stop_after_batches = 0;
};

RunResult train(const Config& cfg, const TrainerOptions& options);

}  // namespace hitnet
