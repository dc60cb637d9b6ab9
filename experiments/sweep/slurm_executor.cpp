#include "experiments/sweep/slurm_executor.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/io/atomic_file.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/interrupts.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/point_progress.hpp"
#include "experiments/sweep/status_board.hpp"

namespace hitnet {
namespace {

namespace fs = std::filesystem;

// Task id -> Slurm state ("PENDING", "RUNNING", ...) of the user's queued and running tasks;
// "<job>_<task>" keys, as squeue -r prints them.
bool active_tasks(std::map<std::string, std::string>& tasks, std::string& error) {
  const CommandResult r = run_command({"squeue", "--me", "-h", "-r", "-o", "%i %T"});
  if (r.exit_code != 0) {
    error = "squeue failed (exit " + std::to_string(r.exit_code) + "): " + r.output +
            "(is Slurm reachable? SLURM_CONF=" +
            (std::getenv("SLURM_CONF") ? std::getenv("SLURM_CONF") : "unset") + ")";
    return false;
  }
  std::istringstream in(r.output);
  for (std::string id, state; in >> id >> state;) tasks[id] = state;
  return true;
}

struct TaskEnd {
  std::string state;  // COMPLETED, FAILED, TIMEOUT, CANCELLED, ...
  int exit_code = -1;
};

// Every finished task of `job_id` that slurmctld still remembers (for MinJobAge seconds).
std::map<std::string, TaskEnd> ended_tasks(const std::string& job_id) {
  std::map<std::string, TaskEnd> out;
  const CommandResult r = run_command({"scontrol", "-o", "show", "job", job_id});
  if (r.exit_code != 0) return out;
  static const std::regex task(R"(ArrayTaskId=(\d+)\b)"), state(R"(JobState=(\S+))"),
      code(R"(\bExitCode=(\d+):(\d+))");
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    std::smatch t, s, c;
    if (!std::regex_search(line, t, task) || !std::regex_search(line, s, state) ||
        !std::regex_search(line, c, code))
      continue;
    TaskEnd end{s[1], std::stoi(c[1])};
    if (std::stoi(c[2]) != 0) end.exit_code = 128 + std::stoi(c[2]);  // killed by a signal
    out[job_id + "_" + std::string(t[1])] = end;
  }
  return out;
}

bool is_final(const std::string& status) {
  return status == "finished" || status == "diverged";
}

std::string timestamp() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

PointProgress progress_from_log(const PointRecord& r) {
  PointProgress p;
  std::istringstream tail(tail_of(output_log_of(r), 6));
  for (std::string line; std::getline(tail, line);) update_progress(p, line);
  return p;
}

}  // namespace

bool refresh_slurm_states(SweepIndex& index, std::string& error) {
  bool any = false;
  for (const PointRecord& r : index.points) any |= !r.slurm_job.empty() && !is_final(r.status);
  if (!any) return true;
  std::map<std::string, std::string> tasks;
  if (!active_tasks(tasks, error)) return false;
  for (PointRecord& r : index.points) {
    if (r.slurm_job.empty() || is_final(r.status)) continue;
    if (tasks.count(r.slurm_job))
      r.status = "submitted";
    else
      r.slurm_job.clear();  // the task has ended: its run directory says how
  }
  return true;
}

std::string submit_slurm(SweepIndex& index, const SlurmOptions& options) {
  std::vector<PointRecord*> pending;
  for (PointRecord& r : index.points)
    if (r.state.next != NextStep::kNothing && r.status != "submitted") pending.push_back(&r);
  if (pending.empty()) return "";

  const std::string slurm_dir = index.directory + "/slurm";
  fs::create_directories(slurm_dir);
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by hitnet-sweep: one array task per pending point of sweep " << index.name
    << ".\n"
    << "#SBATCH --job-name=" << shell_quote("sweep-" + index.name) << "\n"
    << "#SBATCH --array=0-" << pending.size() - 1
    << (options.throttle > 0 ? "%" + std::to_string(options.throttle) : "") << "\n"
    << "#SBATCH --cpus-per-task=" << options.cpus_per_task << "\n"
    << "#SBATCH --output=" << slurm_dir << "/%A_%a.out\n"
    << "#SBATCH --chdir=" << fs::current_path().string() << "\n";
  if (!options.mem.empty()) s << "#SBATCH --mem=" << options.mem << "\n";
  if (!options.time.empty()) s << "#SBATCH --time=" << options.time << "\n";
  if (!options.partition.empty()) s << "#SBATCH --partition=" << options.partition << "\n";
  s << "set -u\ncase \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (size_t i = 0; i < pending.size(); ++i) {
    const PointRecord& r = *pending[i];
    s << "  " << i << ")  # point " << r.point.number << "\n    dir=" << shell_quote(r.dir)
      << "; fresh=" << (r.state.next == NextStep::kResume ? 0 : 1) << "\n    command=(";
    for (const std::string& a : point_command(options.hitnet_run, index, r, options.cpus_per_task))
      s << " " << shell_quote(a);
    s << " ) ;;\n";
  }
  s << "  *) echo \"hitnet-sweep: no point for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n"
    << "esac\n"
    << "mkdir -p \"$dir\"\n"
    << "[ \"$fresh\" = 1 ] && : > \"$dir/output.log\"\n"
    << "echo \"# hitnet-sweep: slurm task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on "
       "$(hostname): ${command[*]}\" >> \"$dir/output.log\"\n"
    << "exec \"${command[@]}\" >> \"$dir/output.log\" 2>&1\n";
  const std::string script = slurm_dir + "/array-" + timestamp() + ".sh";
  write_file_atomically(script, s.str());
  fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);

  std::vector<std::string> argv{"sbatch", "--parsable"};
  argv.insert(argv.end(), options.extra_sbatch_args.begin(), options.extra_sbatch_args.end());
  argv.push_back(script);
  const CommandResult r = run_command(argv);
  const std::string id = r.output.substr(0, r.output.find_first_of(";\n"));
  if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch " + script + " failed (exit " + std::to_string(r.exit_code) +
                             "): " + r.output);
  for (size_t i = 0; i < pending.size(); ++i) {
    pending[i]->slurm_job = id + "_" + std::to_string(i);
    pending[i]->status = "submitted";
  }
  std::cout << "submitted " << pending.size() << " point(s) as job array " << id << " (" << script
            << ")\n";
  return id;
}

bool wait_slurm(SweepIndex& index, const std::string& job_id, const SlurmOptions& options) {
  StatusBoard board(options.terminal, options.status_interval_s);
  const int total = static_cast<int>(index.points.size());
  const int interrupts_before = g_sweep_interrupts;
  for (;;) {
    if (g_sweep_interrupts != interrupts_before) {
      board.event("interrupted: job array " + job_id + " keeps running (scancel " + job_id +
                  " stops it); rerun with --wait to follow it again");
      return false;
    }
    std::map<std::string, std::string> tasks;
    std::string error;
    if (!active_tasks(tasks, error)) {
      board.event("hitnet-sweep: " + error);
      return false;
    }
    std::vector<PointRecord*> ended;
    std::vector<std::string> lines;
    for (PointRecord& r : index.points) {
      if (r.slurm_job.rfind(job_id + "_", 0) != 0 || is_final(r.status) || r.status == "failed" ||
          r.status == "interrupted")
        continue;
      const auto it = tasks.find(r.slurm_job);
      if (it == tasks.end()) {
        ended.push_back(&r);
      } else if (it->second == "RUNNING") {
        r.status = "running";
        lines.push_back("  " + r.point.name + " (" + r.slurm_job +
                        "): " + describe(progress_from_log(r)));
      }
    }
    if (!ended.empty()) {
      const auto ends = ended_tasks(job_id);
      for (PointRecord* r : ended) {
        r->state = inspect_run(r->dir, r->point.hash);
        const auto e = ends.find(r->slurm_job);
        r->exit_code = e == ends.end() ? -1 : e->second.exit_code;
        if (r->state.next == NextStep::kNothing)
          r->status = r->state.status;
        else
          r->status = r->exit_code == 130 ? "interrupted" : "failed";
        const std::string what = e == ends.end() ? "" : " [" + e->second.state + "]";
        if (r->status == "finished") {
          r->log_tail.clear();
          board.event("done   point " + std::to_string(r->point.number) + "/" +
                      std::to_string(total) + " " + r->point.name + " (" + r->slurm_job + ")");
        } else {
          r->log_tail = tail_of(output_log_of(*r), 15);
          board.event(failure_report(*r) + "    slurm task " + r->slurm_job + what + "\n");
        }
      }
      write_index(index);
    }
    int active = 0;
    for (const auto& [id, state] : tasks) active += id.rfind(job_id + "_", 0) == 0;
    if (active == 0) break;
    lines.insert(lines.begin(), "[sweep] " + status_summary(count_statuses(index), total, -1) +
                                    " (job array " + job_id + ")");
    board.show(lines);
    std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_interval_s));
  }
  board.finish();
  return true;
}

}  // namespace hitnet
