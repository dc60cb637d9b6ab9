#include "experiments/lib/progress.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace hitnet {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

Progress::Progress(const std::string& log_path, bool live, double interval_s)
    : log_(log_path, std::ios::app), live_(live), interval_s_(interval_s) {}

void Progress::batch(const BatchProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  const bool last_batch = p.batch == p.batches;
  if (since < (live_ ? 0.2 : interval_s_) && !last_batch) return;
  last_ = now;
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %d/%d batch %d/%d loss %.3f ppl %.1f tok/s %.0f eta %s",
                p.epoch, p.epochs, p.batch, p.batches, p.loss, std::exp(p.loss), p.tokens_per_s,
                format_duration(p.eta_s).c_str());
  if (live_) {
    std::cout << "\r\033[K" << buf << std::flush;
    live_shown_ = true;
  } else {
    line(buf);
  }
}

void Progress::clear_live() {
  if (live_shown_) std::cout << "\r\033[K";
  live_shown_ = false;
}

void Progress::line(const std::string& text) {
  clear_live();
  std::cout << text << std::endl;
  if (log_) log_ << text << std::endl;
}

}  // namespace hitnet
