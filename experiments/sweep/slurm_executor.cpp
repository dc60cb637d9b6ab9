#include "experiments/sweep/slurm_executor.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/io/atomic_file.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/interrupts.hpp"
#include "experiments/sweep/point_progress.hpp"
#include "experiments/sweep/slurm_script.hpp"
#include "experiments/sweep/status_board.hpp"

namespace hitnet {
namespace {

namespace fs = std::filesystem;

std::string timestamp() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

std::string script_path(const SweepIndex& index, const PointRecord& r) {
  return (fs::path(index.directory) / r.slurm_script).string();
}

std::string job_of(const std::string& task_id) {
  return task_id.substr(0, task_id.find('_'));
}

// The point's live task, if any.
const SlurmTask* task_of(const SweepIndex& index, const PointRecord& r,
                         const std::vector<SlurmTask>& live) {
  if (r.slurm_script.empty()) return nullptr;
  const std::string script = script_path(index, r);
  for (const SlurmTask& t : live)
    if (t.task == r.slurm_task && t.script == script) return &t;
  return nullptr;
}

PointProgress progress_from_log(const PointRecord& r) {
  PointProgress p;
  std::istringstream tail(tail_of(output_log_of(r), 6));
  for (std::string line; std::getline(tail, line);) update_progress(p, line);
  return p;
}

// Slurm ended the task from outside (time limit, preemption, a node failure, scancel):
// hitnet-run checkpointed on the SIGTERM that comes first where it could.
bool stopped_by_slurm(const std::string& state) {
  for (const char* s : {"TIMEOUT", "PREEMPTED", "NODE_FAIL", "CANCELLED", "REQUEUE", "DEADLINE"})
    if (state.rfind(s, 0) == 0) return true;
  return false;
}

// Settles a point whose task is no longer queued or running: its status from the run directory
// where that is final, else from the task's exit code (the exit code table) and Slurm's state.
void settle_ended(PointRecord& r, const std::map<std::string, TaskEnd>& ends) {
  r.state = inspect_run(r.dir, r.point.hash);
  const auto end = r.slurm_job.empty() ? ends.end() : ends.find(r.slurm_job);
  r.exit_code = end == ends.end() ? -1 : end->second.exit_code;
  if (r.state.live) {
    r.status = status::kRunning;  // not Slurm's any more: someone else runs it now
  } else if (r.state.next == NextStep::kNothing) {
    r.status = r.state.status;
    r.exit_code = current_exit_code(r);
  } else if (end != ends.end() && stopped_by_slurm(end->second.state) &&
             r.state.next == NextStep::kResume) {
    r.status = status::kInterrupted;
  } else if (r.exit_code >= 0) {
    r.status = status_of_exit_code(r.exit_code);
    if (r.status == status::kFinished) r.status = status::kFailed;  // exit 0, no finished run
  } else {
    r.status.clear();  // nobody knows how it ended: what its directory holds says
    r.status = current_status(r);
    r.exit_code = current_exit_code(r);
  }
}

std::map<std::string, TaskEnd> ends_of(const std::vector<PointRecord*>& ended) {
  std::map<std::string, TaskEnd> ends;
  std::set<std::string> jobs;
  for (const PointRecord* r : ended)
    if (!r->slurm_job.empty()) jobs.insert(job_of(r->slurm_job));
  for (const std::string& job : jobs) ends.merge(ended_slurm_tasks(job));
  return ends;
}

}  // namespace

bool refresh_slurm_states(SweepIndex& index, const Backoff& backoff, std::string& error) {
  bool ever_submitted = false;
  for (const PointRecord& r : index.points) ever_submitted |= !r.slurm_script.empty();
  if (!ever_submitted) return true;
  std::vector<SlurmTask> live;
  int exit_code = 0;
  if (!live_slurm_tasks(slurm_job_name(index.name, index.directory), backoff, live, error,
                        exit_code)) {
    if (exit_code != 127) return false;
    std::cerr << "hitnet-sweep: warning: points of this sweep were submitted to Slurm, but squeue "
                 "is not installed here; taken as ended (if they still run on a cluster, stop "
                 "this session)\n";
  }
  std::vector<PointRecord*> ended;
  for (PointRecord& r : index.points) {
    if (const SlurmTask* t = task_of(index, r, live)) {
      r.status = status::kSubmitted;
      r.slurm_job = t->id;
    } else if (r.status == status::kSubmitted ||
               (r.status == status::kRunning && !r.slurm_job.empty() && !r.state.live)) {
      ended.push_back(&r);
    }
  }
  const auto ends = ends_of(ended);
  for (PointRecord* r : ended) settle_ended(*r, ends);
  return true;
}

std::string submit_slurm(SweepIndex& index, const SlurmOptions& options) {
  const long limit_s = options.time.empty() ? -1 : slurm_time_seconds(options.time);
  if (limit_s > 0 && options.signal_lead_s >= limit_s)
    throw SweepError("--signal-lead " + std::to_string(options.signal_lead_s) +
                     " s is not shorter than --time " + options.time + " (" +
                     std::to_string(limit_s) +
                     " s): every task would be stopped as it starts; lower --signal-lead or give "
                     "more --time");
  std::vector<PointRecord*> pending;
  for (PointRecord& r : index.points) {
    if (r.state.next == NextStep::kNothing || r.status == status::kSubmitted) continue;
    if (r.state.live) {
      std::cout << "not submitted: point " << r.point.number << " " << r.point.name
                << " is running already (pid " << lock_holder_pid(r.dir) << ")\n";
      continue;
    }
    pending.push_back(&r);
  }
  if (pending.empty()) return "";

  const std::string slurm_dir = index.directory + "/slurm";
  fs::create_directories(slurm_dir);
  std::string script = slurm_dir + "/array-" + timestamp() + ".sh";
  for (int n = 2; fs::exists(script); ++n)
    script = slurm_dir + "/array-" + timestamp() + "-" + std::to_string(n) + ".sh";
  const std::vector<const PointRecord*> tasks(pending.begin(), pending.end());
  write_file_atomically(script,
                        array_script_text(index, tasks, options, fs::current_path().string()));
  fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);

  // Recorded before sbatch: if this process dies before it learns the job id, the next session
  // still finds the tasks (by job name, script and task) instead of submitting them again.
  std::vector<std::string> previous_status;
  for (size_t i = 0; i < pending.size(); ++i) {
    previous_status.push_back(pending[i]->status);
    pending[i]->slurm_script = fs::path(script).lexically_relative(index.directory).string();
    pending[i]->slurm_task = static_cast<int>(i);
    pending[i]->slurm_job.clear();
    pending[i]->status = status::kSubmitted;
  }
  write_index(index);

  std::vector<std::string> argv{"sbatch", "--parsable"};
  argv.insert(argv.end(), options.extra_sbatch_args.begin(), options.extra_sbatch_args.end());
  argv.push_back(script);
  const CommandResult r = run_command(argv);
  const std::string id = r.output.substr(0, r.output.find_first_of(";\n"));
  if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    for (size_t i = 0; i < pending.size(); ++i) {
      pending[i]->slurm_script.clear();
      pending[i]->slurm_task = -1;
      pending[i]->status = previous_status[i];
    }
    write_index(index);
    throw std::runtime_error("sbatch " + script + " failed (exit " + std::to_string(r.exit_code) +
                             "): " + r.output);
  }
  for (size_t i = 0; i < pending.size(); ++i) pending[i]->slurm_job = id + "_" + std::to_string(i);
  write_index(index);
  std::cout << "submitted " << pending.size() << " point(s) as job array " << id << " (" << script
            << ")\n";
  return id;
}

WaitOutcome wait_slurm(SweepIndex& index, const SlurmOptions& options) {
  StatusBoard board(options.terminal, options.status_interval_s);
  const int total = static_cast<int>(index.points.size());
  const int interrupts_before = g_sweep_interrupts;
  const std::string job_name = slurm_job_name(index.name, index.directory);
  std::vector<PointRecord*> followed;
  for (PointRecord& r : index.points)
    if (r.status == status::kSubmitted) followed.push_back(&r);
  auto label = [&](const PointRecord& r) {
    return "point " + std::to_string(r.point.number) + "/" + std::to_string(total) + " " +
           r.point.name + " (slurm task " + r.slurm_job + ")";
  };

  while (!followed.empty()) {
    if (g_sweep_interrupts != interrupts_before) {
      board.event(
          "interrupted: the tasks keep running (scancel stops them); rerun with --wait to "
          "follow them again, or --collect later");
      return WaitOutcome::kInterrupted;
    }
    std::vector<SlurmTask> live;
    std::string error;
    int exit_code = 0;
    if (!live_slurm_tasks(job_name, options.backoff, live, error, exit_code)) {
      board.event("hitnet-sweep: lost contact with Slurm: " + error +
                  "\n  the tasks may still run: rerun with --wait to follow them again");
      return WaitOutcome::kLostSlurm;
    }
    std::vector<PointRecord*> ended;
    std::vector<std::string> lines;
    for (PointRecord* r : followed) {
      const SlurmTask* t = task_of(index, *r, live);
      if (!t) {
        ended.push_back(r);
        continue;
      }
      r->slurm_job = t->id;
      if (t->state == "RUNNING") {
        r->status = status::kRunning;
        lines.push_back("  " + r->point.name + " (" + r->slurm_job +
                        "): " + describe(progress_from_log(*r)));
      } else if (r->status == status::kRunning) {  // back in the queue: requeued
        r->status = status::kSubmitted;
        board.event("requeued " + label(*r) + ": stopped at its time limit with a checkpoint; " +
                    "it resumes from there");
      }
    }
    if (!ended.empty()) {
      const auto ends = ends_of(ended);
      for (PointRecord* r : ended) {
        settle_ended(*r, ends);
        const auto e = ends.find(r->slurm_job);
        const std::string state = e == ends.end() ? "" : " [" + e->second.state + "]";
        if (r->status == status::kFinished) {
          r->log_tail.clear();
          board.event("done   " + label(*r));
        } else if (r->status == status::kInterrupted) {
          // Slurm calls a script that exits 130 FAILED; only its own stops are worth naming.
          const bool by_slurm = e != ends.end() && stopped_by_slurm(e->second.state);
          r->log_tail.clear();
          board.event("stopped " + label(*r) + (by_slurm ? state : "") +
                      ": checkpointed, resumable: submit the sweep again to continue it");
        } else if (r->status == status::kRunning) {
          board.event("left   " + label(*r) + ": its run is live outside Slurm now");
        } else {
          r->log_tail = tail_of(output_log_of(*r), 15);
          if (!r->state.damage.empty()) r->log_tail += "(" + r->state.damage + ")\n";
          board.event(failure_report(*r) + "    slurm task " + r->slurm_job + state + "\n");
        }
        followed.erase(std::find(followed.begin(), followed.end(), r));
      }
      write_index(index);
      if (followed.empty()) break;
    }
    lines.insert(lines.begin(), "[sweep] " + status_summary(count_statuses(index), total, -1) +
                                    " (job name " + job_name + ")");
    board.show(lines);
    std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_interval_s));
  }
  board.finish();
  return WaitOutcome::kEnded;
}

}  // namespace hitnet
