// hitnet-sweep: run a grid of hitnet-run configurations, locally in parallel or on Slurm.
//   hitnet-sweep SWEEP.yaml [key=a,b ...] [--out DIR] [--jobs N] [--threads-per-run T]
//   hitnet-sweep CONFIG key=a,b,c key2=1,2 [--out DIR]        (a comma list is a grid axis)
//   hitnet-sweep ... --dry-run                                 (list points, run nothing)
//   hitnet-sweep ... --executor slurm [--wait] [--partition P --mem M --time T --throttle N]
//   hitnet-sweep --collect DIR                                 (results.csv + results.md)
// Rerunning the same command resumes: finished points are skipped, interrupted ones continue,
// runs still going (from a session that died, or in Slurm) are followed or left alone.
// Exit status: 0 all points finished (or, Slurm without --wait, the array was submitted),
// 1 a point failed or is not finished, 2 bad sweep or command line, 3 no failures but a point
// diverged, 130 interrupted (resumable).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "core/config/load.hpp"
#include "core/io/atomic_file.hpp"
#include "core/util/cpu_support.hpp"
#include "experiments/lib/command_line.hpp"
#include "experiments/lib/exit_codes.hpp"
#include "experiments/sweep/collect.hpp"
#include "experiments/sweep/cpu_budget.hpp"
#include "experiments/sweep/interrupts.hpp"
#include "experiments/sweep/local_executor.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/slurm_executor.hpp"
#include "experiments/sweep/status_board.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

SweepSpec build_spec(const std::string& file, const std::vector<std::string>& arguments) {
  SweepSpec spec;
  if (!fs::is_regular_file(file)) throw SweepError(file + ": no such sweep or config file");
  if (is_sweep_file(file)) {
    spec = load_sweep_file(file);
  } else {
    spec.base_config = fs::absolute(file).lexically_normal().string();
    spec.name = fs::path(file).stem().string() + "_sweep";
  }
  add_command_line_axes(spec, arguments);
  return spec;
}

std::string action_of(const PointRecord& r) {
  if (r.status == status::kSubmitted) return "in slurm " + r.slurm_job;
  if (r.state.live) return "running (pid " + std::to_string(lock_holder_pid(r.dir)) + ")";
  if (r.state.next == NextStep::kNothing)
    return r.state.status == status::kFinished ? "done" : std::string(status::kDiverged);
  if (r.state.next == NextStep::kResume) return "resume";
  if (!r.state.damage.empty()) return "rerun (damaged: " + r.state.damage + ")";
  return r.state.holds_run ? "rerun" : "run";
}

void print_plan(const SweepIndex& index) {
  int todo = 0;
  for (const PointRecord& r : index.points) todo += r.state.next != NextStep::kNothing;
  std::cout << "sweep " << index.name << ": " << index.points.size() << " points over "
            << index.base_config << ", " << index.points.size() - todo << " done, " << todo
            << " to run\n  into " << index.directory << "\n";
  for (const PointRecord& r : index.points) {
    Assignment own;  // the varied keys this point sets (not those it leaves to the base)
    for (const auto& kv : r.point.varied)
      for (const auto& set : r.point.overrides)
        if (set.first == kv.first) {
          own.push_back(kv);
          break;
        }
    std::cout << "  [" << r.point.number << "] " << action_of(r) << "\t" << describe(own) << "\t"
              << fs::path(r.dir).lexically_relative(index.directory).string() << "\n";
  }
}

// Holds an exclusive lock on DIR/.lock while this session lives, so that two sessions never
// plan the same sweep at once. Not inherited by the runs (close-on-exec): they outlive a dead
// session, and the next one finds them by their own run locks and follows them. Waits up to
// `wait_s` for an earlier session that is still stopping its runs.
bool lock_sweep_dir(const std::string& dir, int wait_s) {
  fs::create_directories(dir);
  const int fd = ::open((dir + "/.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; ++waited) {
    if (waited >= wait_s * 10) return false;
    if (waited == 0) std::cout << "waiting for an earlier session to stop...\n" << std::flush;
    usleep(100000);
  }
  return true;
}

int exit_status(const SweepIndex& index, bool interrupted) {
  if (interrupted) return exit_code::kInterrupted;
  const StatusCounts c = count_statuses(index);
  if (c.failed + c.stopped > 0) return exit_code::kFailed;
  if (c.diverged > 0) return exit_code::kDiverged;
  return c.queued + c.running > 0 ? exit_code::kFailed : exit_code::kFinished;
}

int finish(const SweepIndex& index, bool interrupted) {
  const std::string csv = write_collection(index);
  const StatusCounts c = count_statuses(index);
  std::cout << "sweep " << index.name << ": "
            << status_summary(c, static_cast<int>(index.points.size()), -1) << "\n";
  for (const PointRecord& r : index.points) {
    const bool report = r.status == status::kFailed || r.status == status::kBadConfig ||
                        r.status == status::kDamaged || r.status == status::kDiverged ||
                        (r.status == status::kInterrupted && !interrupted);
    if (report)
      std::cout << "  " << r.status << ": point " << r.point.number << " " << r.point.name
                << " (exit " << r.exit_code << ", see " << output_log_of(r) << ")\n";
    else if (r.status == status::kSubmitted || (r.status == status::kRunning && !interrupted))
      std::cout << "  still "
                << (r.status == status::kSubmitted ? "in slurm " + r.slurm_job
                                                   : std::string(status::kRunning))
                << ": point " << r.point.number << " " << r.point.name << "\n";
  }
  std::cout << "table: " << csv << " and results.md\n";
  if (interrupted)
    std::cout << "interrupted: rerun the same command to resume (finished points are kept)\n";
  return exit_status(index, interrupted);
}

}  // namespace

int main(int argc, char** argv) {
  require_cpu_support("hitnet-sweep");
  CLI::App app{"Run a sweep of hitnet-run configurations: locally in parallel, or on Slurm."};
  app.set_version_flag("--version", std::string("hitnet-sweep ") + kVersion);
  std::string spec_file, out_dir, collect_dir, executor = "local";
  std::vector<std::string> arguments;
  int jobs = 0, threads_per_run = 0;
  bool dry_run = false, fail_fast = false, wait = false, no_requeue = false;
  double status_interval = 30;
  SlurmOptions slurm;
  slurm.hitnet_run = default_hitnet_run();
  app.add_option("sweep", spec_file, "sweep file (YAML with `base:`) or a config file");
  app.add_option("values", arguments, "key=value (fixed) or key=a,b,c (a grid axis)");
  app.add_option("--out", out_dir, "sweep directory (default: results/sweeps/<sweep name>)");
  app.add_flag("--dry-run", dry_run, "list the points and which are done; run nothing");
  app.add_option("--jobs,-j", jobs, "points at once (default: cores / threads-per-run)");
  app.add_option("--threads-per-run", threads_per_run,
                 "OpenMP threads in each point, also when it resumes (default: cores / jobs)");
  app.add_flag("--fail-fast", fail_fast,
               "stop all points (resumably) at the first failure or divergence");
  app.add_option("--collect", collect_dir, "write DIR/results.csv and results.md, then exit");
  app.add_option("--executor", executor, "local or slurm")
      ->check(CLI::IsMember({"local", "slurm"}));
  app.add_option("--hitnet-run", slurm.hitnet_run, "the hitnet-run program each point runs");
  app.add_option("--status-interval", status_interval,
                 "seconds between status lines when not on a terminal");
  app.add_flag("--wait", wait, "slurm: follow the job array to its end, then collect");
  app.add_option("--partition", slurm.partition, "slurm: partition");
  app.add_option("--mem", slurm.mem, "slurm: memory per task, e.g. 4G");
  app.add_option("--time", slurm.time, "slurm: time limit per task, e.g. 2:00:00");
  app.add_option("--cpus-per-task", slurm.cpus_per_task,
                 "slurm: CPUs per task, also each point's threads when it starts and when it "
                 "resumes (default: --threads-per-run, else 1)");
  app.add_option("--throttle", slurm.throttle, "slurm: at most N tasks at once (array %N)");
  app.add_option("--signal-lead", slurm.signal_lead_s,
                 "slurm: seconds before the time limit at which a task is told to checkpoint "
                 "and stop (sbatch --signal=B:USR1@N; default " +
                     std::to_string(kDefaultSignalLeadS) + ")");
  app.add_flag("--no-requeue", no_requeue,
               "slurm: leave a task stopped at its time limit for the next submission instead "
               "of requeueing it");
  app.add_option("--sbatch-arg", slurm.extra_sbatch_args,
                 "slurm: extra sbatch argument, e.g. --sbatch-arg=--account=proj (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--poll-interval", slurm.poll_interval_s, "slurm --wait: seconds between polls");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const bool terminal = isatty(STDOUT_FILENO);
  slurm.requeue = !no_requeue;
  if (app.count("--cpus-per-task") == 0 && threads_per_run > 0)
    slurm.cpus_per_task = threads_per_run;

  try {
    if (!collect_dir.empty()) {
      SweepIndex index = read_index(collect_dir);
      std::string error;
      if (!refresh_slurm_states(index, kGlanceBackoff, error))
        std::cerr << "hitnet-sweep: warning: " << error << "; points in Slurm shown as submitted\n";
      for (PointRecord& r : index.points) r.status = current_status(r);
      const std::string csv = write_collection(index);
      std::cout << to_markdown(collect_table(index)) << "table: " << csv << " and results.md\n";
      return exit_code::kFinished;
    }
    if (spec_file.empty()) {
      std::cerr
          << "hitnet-sweep: a sweep or config file is required (or --collect DIR); see --help\n";
      return exit_code::kBadConfig;
    }
    const SweepSpec spec = build_spec(spec_file, arguments);
    const std::vector<SweepPoint> points = resolve_points(spec);
    if (out_dir.empty()) out_dir = "results/sweeps/" + spec.name;
    if (fs::exists(out_dir) && !fs::is_directory(out_dir)) {
      std::cerr << "hitnet-sweep: --out " << out_dir << " is an existing file, not a directory\n";
      return exit_code::kBadConfig;
    }
    if (dry_run) {  // reads, never writes: Slurm is asked, index.json is left as it is
      SweepIndex index = plan_sweep(spec, points, out_dir);
      std::string error;
      if (!refresh_slurm_states(index, kGlanceBackoff, error))
        std::cout << "warning: " << error << "; points recorded in Slurm shown as submitted\n";
      print_plan(index);
      return exit_code::kFinished;
    }
    if (!lock_sweep_dir(out_dir, 60)) {
      std::cerr << "hitnet-sweep: another hitnet-sweep session is running in " << out_dir << "\n";
      return exit_code::kFailed;
    }
    // What a killed session left half-written (index.json, sweep.yaml, results.csv and .md);
    // a --collect writing beside this session takes no lock, so a live writer's file stays.
    remove_temporaries_in(out_dir, /*keep_live_writers=*/true);
    SweepIndex index = plan_sweep(spec, points, out_dir);
    write_sweep_spec(spec, index.directory);
    install_sweep_signal_handlers();
    // Either executor must see the other's live points: Slurm's (queued ones hold no run lock
    // yet) by asking Slurm, live runs anywhere by their run locks (RunState::live).
    std::string error;
    if (!refresh_slurm_states(index, kStartBackoff, error)) {
      std::cerr << "hitnet-sweep: cannot tell whether points submitted to Slurm earlier still "
                   "run, so none is started: "
                << error << "\n";
      return exit_code::kFailed;
    }
    write_index(index);

    if (executor == "slurm") {
      slurm.terminal = terminal;
      slurm.status_interval_s = status_interval;
      print_plan(index);
      const std::string job = submit_slurm(index, slurm);
      if (job.empty()) std::cout << "nothing to submit\n";
      if (!wait) {
        if (!job.empty())
          std::cout << "submitted job array " << job << "; follow it with squeue -j " << job
                    << " or hitnet-sweep ... --wait, collect with hitnet-sweep --collect "
                    << index.directory << "\n";
        return exit_code::kFinished;
      }
      const WaitOutcome outcome = wait_slurm(index, slurm);
      write_index(index);
      const int code = finish(index, outcome == WaitOutcome::kInterrupted);
      return outcome == WaitOutcome::kLostSlurm ? exit_code::kFailed : code;
    }

    LocalOptions local;
    local.hitnet_run = slurm.hitnet_run;
    local.fail_fast = fail_fast;
    local.terminal = terminal;
    local.status_interval_s = status_interval;
    int done = 0, todo = 0, in_slurm = 0, live = 0;
    for (const PointRecord& r : index.points) {
      if (r.status == status::kSubmitted)
        ++in_slurm;
      else if (r.state.live)
        ++live;
      else if (r.state.next == NextStep::kNothing)
        ++done;
      else
        ++todo;
    }
    local.budget = plan_cpu_budget(jobs, threads_per_run, available_cores(), todo + live);
    std::cout << "sweep " << index.name << ": " << index.points.size() << " points, " << done
              << " already done, " << todo << " to run";
    if (live > 0) std::cout << ", " << live << " running already (followed)";
    if (in_slurm > 0) std::cout << ", " << in_slurm << " in Slurm (left to it)";
    std::cout << " (" << local.budget.jobs << " at once x " << local.budget.threads_per_run
              << " threads) in " << index.directory << "\n";
    const LocalOutcome outcome = run_local(index, local);
    return finish(index, outcome.interrupted);
  } catch (const SweepError& e) {
    std::cerr << "hitnet-sweep: " << e.what() << (std::string(e.what()).back() == '\n' ? "" : "\n");
    return exit_code::kBadConfig;
  } catch (const std::exception& e) {
    std::cerr << "hitnet-sweep: " << e.what() << "\n";
    return exit_code::kFailed;
  }
}
