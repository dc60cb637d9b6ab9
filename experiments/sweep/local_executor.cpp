#include "experiments/sweep/local_executor.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>

#include "experiments/lib/progress.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/interrupts.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/point_progress.hpp"
#include "experiments/sweep/status_board.hpp"

namespace hitnet {
namespace {

using Clock = std::chrono::steady_clock;

struct RunningPoint {
  PointRecord* record;
  pid_t pid;
  int fd;
  std::ofstream log;
  std::string partial_line;
  PointProgress progress;
  Clock::time_point started;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Appends what the run printed to its output.log and follows its progress lines.
// Returns false at end of output.
bool drain(RunningPoint& r) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(r.fd, buf, sizeof buf);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    r.log.write(buf, n);
    r.log.flush();
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n' || buf[i] == '\r') {
        update_progress(r.progress, r.partial_line);
        r.partial_line.clear();
      } else {
        r.partial_line += buf[i];
      }
    }
  }
}

std::string status_for_exit(int exit_code) {
  switch (exit_code) {
    case 0:
      return "finished";
    case 3:
      return "diverged";
    case 130:
      return "interrupted";
    default:
      return "failed";
  }
}

// Remaining time: the running points' own estimates plus the queued points at the mean point
// duration seen so far, shared among the workers.
double estimate_eta(const std::vector<std::unique_ptr<RunningPoint>>& running, size_t queued,
                    const std::vector<double>& durations, int jobs) {
  double mean = 0;
  int known = 0;
  for (double d : durations) mean += d, ++known;
  for (const auto& r : running)
    if (r->progress.eta_s >= 0) mean += seconds_since(r->started) + r->progress.eta_s, ++known;
  if (known == 0) return -1;
  mean /= known;
  double remaining = static_cast<double>(queued) * mean;
  for (const auto& r : running)
    remaining += r->progress.eta_s >= 0 ? r->progress.eta_s
                                        : std::max(0.0, mean - seconds_since(r->started));
  return remaining / std::max(1, jobs);
}

}  // namespace

LocalOutcome run_local(SweepIndex& index, const LocalOptions& options) {
  LocalOutcome outcome;
  std::deque<PointRecord*> queue;
  for (PointRecord& r : index.points)
    if (r.state.next != NextStep::kNothing) {
      r.status = "pending";
      queue.push_back(&r);
    }
  const int total = static_cast<int>(index.points.size());
  const int jobs = options.budget.jobs;
  StatusBoard board(options.terminal, options.status_interval_s);
  std::vector<std::unique_ptr<RunningPoint>> running;
  std::vector<double> durations;
  bool stopping = false;
  int interrupts_seen = 0;

  auto stop_all = [&](int signal) {
    for (const auto& r : running) kill(r->pid, signal);
  };

  for (;;) {
    while (!stopping && static_cast<int>(running.size()) < jobs && !queue.empty()) {
      PointRecord& rec = *queue.front();
      queue.pop_front();
      const bool resume = rec.state.next == NextStep::kResume;
      std::filesystem::create_directories(rec.dir);
      auto r = std::make_unique<RunningPoint>();
      r->record = &rec;
      r->log.open(output_log_of(rec), resume ? std::ios::app : std::ios::trunc);
      const auto argv =
          point_command(options.hitnet_run, index, rec, options.budget.threads_per_run);
      std::string command;
      for (const std::string& a : argv) command += (command.empty() ? "" : " ") + shell_quote(a);
      r->log << "# hitnet-sweep: " << command << "\n" << std::flush;
      r->pid = spawn_captured(argv, r->fd);
      r->started = Clock::now();
      rec.status = "running";
      board.event((resume ? "resume " : "start  ") + std::string("point ") +
                  std::to_string(rec.point.number) + "/" + std::to_string(total) + " " +
                  rec.point.name);
      running.push_back(std::move(r));
      write_index(index);
    }
    if (running.empty() && (queue.empty() || stopping)) break;

    std::vector<pollfd> fds;
    for (const auto& r : running) fds.push_back({r->fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 200);
    for (const auto& r : running) drain(*r);

    if (g_sweep_interrupts > interrupts_seen) {
      interrupts_seen = g_sweep_interrupts;
      outcome.interrupted = true;
      if (!stopping) {
        stopping = true;
        board.event("interrupted: asking " + std::to_string(running.size()) +
                    " running point(s) to checkpoint and stop (again to kill them)");
        stop_all(SIGINT);
      } else {
        board.event("second interrupt: killing the running points");
        stop_all(SIGKILL);
      }
    }

    for (auto it = running.begin(); it != running.end();) {
      RunningPoint& r = **it;
      int status = 0;
      if (waitpid(r.pid, &status, WNOHANG) != r.pid) {
        ++it;
        continue;
      }
      drain(r);  // what it wrote before exiting; EAGAIN then means nothing is left
      close(r.fd);
      r.log.close();
      PointRecord& rec = *r.record;
      rec.exit_code = exit_code_of(status);
      rec.state = inspect_run(rec.dir, rec.point.hash);
      rec.status = status_for_exit(rec.exit_code);
      // Exit 0 without a finished run of this config (a stand-in program, a bug) is no result.
      if (rec.status == "finished" && rec.state.next != NextStep::kNothing) rec.status = "failed";
      const std::string took = format_duration(seconds_since(r.started));
      if (rec.status == "finished") {
        durations.push_back(seconds_since(r.started));
        rec.log_tail.clear();
        std::string metrics;
        if (rec.state.summary.is_object() &&
            rec.state.summary.value("test_ppl", nlohmann::json()).is_number()) {
          char buf[40];
          std::snprintf(buf, sizeof buf, ", test ppl %.2f",
                        rec.state.summary["test_ppl"].get<double>());
          metrics = buf;
        }
        board.event("done   point " + std::to_string(rec.point.number) + "/" +
                    std::to_string(total) + " " + rec.point.name + " (" + took + metrics + ")");
      } else if (rec.status == "interrupted" && stopping) {
        rec.log_tail.clear();
        board.event("stopped point " + std::to_string(rec.point.number) + " " + rec.point.name +
                    (rec.state.has_checkpoint ? " (checkpointed, resumable)" : ""));
      } else {
        rec.log_tail = tail_of(output_log_of(rec), 15);
        board.event(failure_report(rec));
        if (options.fail_fast && !stopping) {
          stopping = true;
          board.event("--fail-fast: stopping the other points (resumable)");
          stop_all(SIGINT);
        }
      }
      it = running.erase(it);
      write_index(index);
    }

    std::vector<std::string> lines{
        "[sweep] " + status_summary(count_statuses(index), total,
                                    estimate_eta(running, queue.size(), durations, jobs))};
    for (const auto& r : running)
      lines.push_back("  " + r->record->point.name + ": " + describe(r->progress));
    board.show(lines);
  }
  board.finish();
  write_index(index);
  return outcome;
}

}  // namespace hitnet
