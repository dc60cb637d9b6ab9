#pragma once
// The run's HDF5 results file (layout: docs/results-format.md). Written as the run goes; every
// call below is one atomic update: the file is copied beside itself, changed, fsynced and
// renamed over the original. So between calls, and even during one, `results.h5` is always a
// complete, closed HDF5 file: a notebook opens it at any moment with plain h5py, and a killed
// run leaves a readable file whose status is still "running". (HDF5's SWMR mode was not used:
// it cannot create the groups a histogram epoch adds, it leaves a crashed writer's file
// unopenable without h5clear, and it needs POSIX write ordering, which NFS does not give.)
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/stats/histogram.hpp"

namespace hitnet {

inline constexpr int kResultsSchemaVersion = 1;

struct RunInfo {
  std::string config_yaml, config_hash, version, git_revision;
  std::string started;         // ISO-8601 UTC (utc_timestamp())
  std::string init_from = "";  // a warm start's source checkpoint (warm_start's line), else ""
};

struct EpochRow {
  int epoch;  // 1-based
  double lr, train_loss, train_ppl, valid_ppl, tokens_per_s, wall_s;
  // More per-epoch series by name (grad_norm_mean, qerr.lstm0.w_hh, ...). A series first seen
  // at a later epoch reads NaN for the epochs before it; one missing from a row reads NaN there.
  std::vector<std::pair<std::string, double>> extra = {};
};

// Test perplexity in one evaluation mode: the mean over `passes` passes and their spread.
struct ModePerplexity {
  std::string mode;  // "deterministic" | "sample" | "expectation"
  double ppl = NAN, std = 0;
  int passes = 1;
};

struct FinalMetrics {
  double best_valid_ppl = NAN;  // NaN until an epoch finished (written as null)
  int best_epoch = 0;  // meaningful only with a finite best_valid_ppl (0: the untrained model)
  int epochs_run = 0;
  // The headline: test perplexity of the best-validation parameters, evaluated as the config
  // says (eval_mode: deterministic, sample, expectation, or mixed when quantizers differ), as
  // the mean over eval_samples passes (1 unless a quantizer samples at evaluation).
  double test_ppl = NAN, test_ppl_std = 0;
  int eval_samples = 1;
  std::string eval_mode = "deterministic";
  // Models with stochastic quantizers: the test perplexity in every evaluation mode.
  std::vector<ModePerplexity> test_by_mode = {};
};

class ResultsFile {
 public:
  // A new file (replacing any old one) with the run's attributes and status "running".
  static ResultsFile create(const std::string& path, const RunInfo& info);
  // An existing file, for a resumed run: drops metric rows with epoch > keep_epochs, the
  // histograms of those epochs and any final metrics; status back to "running".
  static ResultsFile reopen(const std::string& path, int keep_epochs);

  // The attributes a run recorded when it started (create's `info`). Throws std::runtime_error
  // naming the file when it cannot be read.
  static RunInfo read_info(const std::string& path);

  void append_epoch(const EpochRow& row);
  // -> /histograms/epoch_0003/<kind>/<tensor>/<stage>/{counts,edges}, stats as attributes of
  // the <stage> group. kind: "weights" (stage "full" | "quantized") or "activations" (stage
  // "pre" | "post" | "quantized"); tensor e.g. "lstm0.w_hh", "lstm0.i". Replaces an old one.
  void write_histogram(int epoch, const std::string& kind, const std::string& tensor,
                       const std::string& stage, const Histogram& h);
  // /final attributes, root attributes status ("finished" | "failed" | "diverged") and finished.
  void finish(const FinalMetrics& f, std::string_view run_status);

  const std::string& path() const { return path_; }

 private:
  explicit ResultsFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace hitnet
