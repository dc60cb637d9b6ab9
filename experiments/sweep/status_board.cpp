#include "experiments/sweep/status_board.hpp"

#include <iostream>

#include "experiments/lib/progress.hpp"

namespace hitnet {

StatusCounts count_statuses(const SweepIndex& index) {
  StatusCounts c;
  for (const PointRecord& r : index.points) {
    if (r.status == status::kFinished)
      ++c.done;
    else if (r.status == status::kDiverged)
      ++c.diverged;
    else if (r.status == status::kRunning)
      ++c.running;
    else if (r.status == status::kFailed || r.status == status::kBadConfig ||
             r.status == status::kDamaged)
      ++c.failed;
    else if (r.status == status::kInterrupted)
      ++c.stopped;
    else
      ++c.queued;
  }
  return c;
}

std::string status_summary(const StatusCounts& c, int total, double eta_s) {
  std::string s = std::to_string(c.done) + "/" + std::to_string(total) + " done, ";
  if (c.diverged) s += std::to_string(c.diverged) + " diverged, ";
  s += std::to_string(c.running) + " running, " + std::to_string(c.failed) + " failed, " +
       (c.stopped ? std::to_string(c.stopped) + " stopped, " : "") + std::to_string(c.queued) +
       " queued";
  if (eta_s >= 0) s += ", eta " + format_duration(eta_s);
  return s;
}

std::string failure_report(const PointRecord& r) {
  std::string s = (r.status == status::kDiverged ? "DIVERGED" : "FAILED") + std::string(" point ") +
                  std::to_string(r.point.number) + " " + r.point.name + " (exit " +
                  std::to_string(r.exit_code) + "): " + r.dir + "/output.log ends:\n";
  std::string tail = r.log_tail;
  size_t start = 0;
  for (size_t nl; (nl = tail.find('\n', start)) != std::string::npos; start = nl + 1)
    s += "    | " + tail.substr(start, nl - start) + "\n";
  if (start < tail.size()) s += "    | " + tail.substr(start) + "\n";
  return s;
}

StatusBoard::StatusBoard(bool terminal, double interval_s)
    : terminal_(terminal), interval_s_(interval_s) {}

void StatusBoard::erase() {
  for (; drawn_ > 0; --drawn_) std::cout << "\033[1A\033[2K";
}

void StatusBoard::event(const std::string& text) {
  erase();
  std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "") << std::flush;
}

void StatusBoard::show(const std::vector<std::string>& lines, bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!force && since < (terminal_ ? 1.0 : interval_s_)) return;
  last_ = now;
  erase();
  for (const std::string& l : lines) std::cout << l << "\n";
  if (terminal_) drawn_ = static_cast<int>(lines.size());
  std::cout << std::flush;
}

void StatusBoard::finish() {
  drawn_ = 0;
}

}  // namespace hitnet
