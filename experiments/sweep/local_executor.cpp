#include "experiments/sweep/local_executor.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "experiments/lib/progress.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/interrupts.hpp"
#include "experiments/sweep/log_follower.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/point_progress.hpp"
#include "experiments/sweep/status_board.hpp"

namespace hitnet {
namespace {

using Clock = std::chrono::steady_clock;

struct RunningPoint {
  PointRecord* record;
  pid_t pid = -1;  // -1: a run this session did not start, followed through its run lock
  LogFollower log;
  PointProgress progress;
  Clock::time_point started;
  bool own() const { return pid > 0; }
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// "point 2/4 NAME", and the directory where it is another (a run an older hitnet named).
std::string numbered(const PointRecord& rec, int total) {
  const std::string dir = std::filesystem::path(rec.dir).filename().string();
  return "point " + std::to_string(rec.point.number) + "/" + std::to_string(total) + " " +
         rec.point.name + (dir == rec.point.name ? "" : " (in runs/" + dir + ")");
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

std::string test_ppl_text(const RunState& state) {
  if (!state.summary.is_object() || !state.summary.value("test_ppl", nlohmann::json()).is_number())
    return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, ", test ppl %.2f", state.summary["test_ppl"].get<double>());
  return buf;
}

}  // namespace

LocalOutcome run_local(SweepIndex& index, const LocalOptions& options) {
  LocalOutcome outcome;
  const int total = static_cast<int>(index.points.size());
  const int jobs = options.budget.jobs;
  StatusBoard board(options.terminal, options.status_interval_s);
  std::deque<PointRecord*> queue;
  std::vector<std::unique_ptr<RunningPoint>> running;
  std::vector<double> durations;
  bool stopping = false;
  int interrupts_seen = 0;

  // A run that is live already (an earlier session died and left it running) is followed: it
  // occupies a slot, and starting it again would only fail on its lock.
  auto follow = [&](PointRecord& rec) {
    auto r = std::make_unique<RunningPoint>();
    r->record = &rec;
    r->log = LogFollower(output_log_of(rec));
    r->started = Clock::now();
    rec.status = status::kRunning;
    const long pid = lock_holder_pid(rec.dir);
    board.event("follow " + numbered(rec, total) + " (running already" +
                (pid > 0 ? ", pid " + std::to_string(pid) : "") +
                ": started by an earlier session)");
    running.push_back(std::move(r));
  };
  auto start = [&](PointRecord& rec) {
    const bool resume = rec.state.next == NextStep::kResume;
    std::filesystem::create_directories(rec.dir);
    const auto argv = point_command(options.hitnet_run, index, rec, options.budget.threads_per_run);
    std::string command;
    for (const std::string& a : argv) command += (command.empty() ? "" : " ") + shell_quote(a);
    std::ofstream(output_log_of(rec), std::ios::app) << "# hitnet-sweep: " << command << "\n";
    auto r = std::make_unique<RunningPoint>();
    r->record = &rec;
    r->log = LogFollower(output_log_of(rec));
    r->pid = spawn_detached(argv, output_log_of(rec));
    r->started = Clock::now();
    rec.status = status::kRunning;
    board.event((resume ? "resume " : "start  ") + numbered(rec, total));
    running.push_back(std::move(r));
  };

  for (PointRecord& r : index.points) {
    if (r.status == status::kSubmitted) continue;  // Slurm has it
    if (r.state.live)
      follow(r);
    else if (r.state.next != NextStep::kNothing)
      r.status = status::kPending, queue.push_back(&r);
  }
  write_index(index);

  auto stop_own = [&](int signal) {
    for (const auto& r : running)
      if (r->own()) kill(r->pid, signal);
  };
  auto own_running = [&] {
    int n = 0;
    for (const auto& r : running) n += r->own();
    return n;
  };

  for (;;) {
    while (!stopping && static_cast<int>(running.size()) < jobs && !queue.empty()) {
      PointRecord& rec = *queue.front();
      queue.pop_front();
      rec.state = inspect_run(rec.dir, rec.point.hash);  // now, not when the sweep was planned
      if (rec.state.live) {
        follow(rec);
      } else if (rec.state.next == NextStep::kNothing) {
        rec.status = rec.state.status;
        rec.exit_code = current_exit_code(rec);
        board.event("done   " + numbered(rec, total) + " (by another process)");
      } else {
        start(rec);
      }
      write_index(index);
    }
    // Runs this session did not start are not stopped by its Ctrl-C: it leaves them be.
    if (stopping ? own_running() == 0 : running.empty() && queue.empty()) break;

    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const auto& r : running)
      for (const std::string& line : r->log.new_lines()) update_progress(r->progress, line);

    if (g_sweep_interrupts > interrupts_seen) {
      interrupts_seen = g_sweep_interrupts;
      outcome.interrupted = true;
      if (!stopping) {
        stopping = true;
        board.event("interrupted: asking " + std::to_string(own_running()) +
                    " running point(s) to checkpoint and stop (again to kill them)");
        stop_own(SIGINT);
        for (const auto& r : running)
          if (!r->own())
            board.event("left running: " + numbered(*r->record, total) +
                        " (not started by this session)");
      } else {
        board.event("second interrupt: killing the running points");
        stop_own(SIGKILL);
      }
    }

    for (auto it = running.begin(); it != running.end();) {
      RunningPoint& r = **it;
      int wait_status = 0;
      const bool ended =
          r.own() ? waitpid(r.pid, &wait_status, WNOHANG) == r.pid : !run_is_live(r.record->dir);
      if (!ended) {
        ++it;
        continue;
      }
      for (const std::string& line : r.log.new_lines()) update_progress(r.progress, line);
      PointRecord& rec = *r.record;
      rec.state = inspect_run(rec.dir, rec.point.hash);
      if (r.own()) {
        rec.exit_code = exit_code_of(wait_status);
        rec.status = status_of_exit_code(rec.exit_code);
        // Exit 0 without a finished run of this config (a stand-in program, a bug, a damaged
        // results file) is no result.
        if (rec.status == status::kFinished && rec.state.next != NextStep::kNothing)
          rec.status = status::kFailed;
      } else {
        rec.status = current_status(rec);  // the run dir's word: nobody saw the process end
        rec.exit_code = current_exit_code(rec);
      }
      const std::string took = format_duration(seconds_since(r.started));
      if (rec.status == status::kFinished) {
        durations.push_back(seconds_since(r.started));
        rec.log_tail.clear();
        board.event("done   " + numbered(rec, total) + " (" + took + test_ppl_text(rec.state) +
                    ")");
      } else if (rec.status == status::kInterrupted && (stopping || !r.own())) {
        rec.log_tail.clear();
        if (!r.own() && !stopping && rec.state.next == NextStep::kResume) {
          board.event("stopped " + numbered(rec, total) + " outside this session: resuming it");
          rec.status = status::kPending;
          queue.push_front(&rec);
        } else {
          board.event("stopped " + numbered(rec, total) +
                      (rec.state.has_checkpoint ? " (checkpointed, resumable)" : ""));
        }
      } else {
        rec.log_tail = tail_of(output_log_of(rec), 15);
        if (!rec.state.damage.empty()) rec.log_tail += "(" + rec.state.damage + ")\n";
        board.event(failure_report(rec));
        if (options.fail_fast && !stopping) {
          stopping = true;
          board.event("--fail-fast: stopping the other points (resumable)");
          stop_own(SIGINT);
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
