#pragma once
// Progress of a run. On a terminal: one live line, rewritten in place (epoch, batch/total,
// loss, perplexity, tokens/s, ETA). Otherwise (a log file, a sweep's pipe): the same as plain
// lines every `interval_s` seconds. Every finished line also goes to the run's log file.
#include <chrono>
#include <fstream>
#include <string>

namespace hitnet {

struct BatchProgress {
  int epoch, epochs, batch, batches;
  double loss, tokens_per_s, eta_s;
};

class Progress {
 public:
  Progress(const std::string& log_path, bool live, double interval_s);
  void batch(const BatchProgress& p);  // rate-limited
  void line(const std::string& text);  // always printed and logged

 private:
  void clear_live();
  std::ofstream log_;
  bool live_;
  double interval_s_;
  bool live_shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

std::string format_duration(double seconds);  // "3m12s", "1h04m"

}  // namespace hitnet
