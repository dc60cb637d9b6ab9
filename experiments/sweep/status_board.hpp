#pragma once
// What a running sweep shows: events (a point started, finished, failed -- with its log tail --
// the moment they happen) and a status block (done / running / failed / queued, each running
// point's epoch and perplexity, ETA). On a terminal the block is redrawn in place; otherwise it
// is printed as plain lines every `interval_s` seconds.
#include <chrono>
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

struct StatusCounts {
  int done = 0, diverged = 0, running = 0, failed = 0, stopped = 0, queued = 0;
};

// finished -> done; diverged; running; failed, bad_config and damaged -> failed;
// interrupted -> stopped (resumable); pending and submitted (waiting in Slurm) -> queued.
StatusCounts count_statuses(const SweepIndex& index);

// "5/8 done, 1 diverged, 2 running, 0 failed, 1 stopped, 0 queued, eta 3m10s" (zero diverged
// and stopped counts and a negative eta are left out).
std::string status_summary(const StatusCounts& c, int total, double eta_s);

// "FAILED point 3 <name> (exit 1): <dir>/output.log ends:" + the indented tail.
std::string failure_report(const PointRecord& record);

class StatusBoard {
 public:
  StatusBoard(bool terminal, double interval_s);
  void event(const std::string& text);  // printed at once, above the block
  // `lines`: the block; shown when due (always on a terminal, at most once a second).
  void show(const std::vector<std::string>& lines, bool force = false);
  void finish();  // leaves the last block on screen

 private:
  void erase();
  bool terminal_;
  double interval_s_;
  int drawn_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace hitnet
