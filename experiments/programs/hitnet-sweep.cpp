// hitnet-sweep: run a grid of hitnet-run configurations, locally in parallel or on Slurm.
//   hitnet-sweep SWEEP.yaml [key=a,b ...] [--out DIR] [--jobs N] [--threads-per-run T]
//   hitnet-sweep CONFIG key=a,b,c key2=1,2 [--out DIR]        (a comma list is a grid axis)
//   hitnet-sweep ... --dry-run                                 (list points, run nothing)
//   hitnet-sweep ... --executor slurm [--wait] [--partition P --mem M --time T --throttle N]
//   hitnet-sweep --collect DIR                                 (results.csv + results.md)
// Rerunning the same command resumes: finished points are skipped, interrupted ones continue.
// Exit status: 0 all points finished, 1 a point failed, 2 bad sweep or command line,
// 3 no failures but a point diverged, 130 interrupted (resumable).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "core/config/load.hpp"
#include "experiments/lib/command_line.hpp"
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
  if (r.status == "submitted") return "in slurm " + r.slurm_job;
  if (r.state.next == NextStep::kNothing) return r.state.status == "finished" ? "done" : "diverged";
  if (r.state.next == NextStep::kResume) return "resume";
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

// Holds an exclusive lock on DIR/.lock while this sweep or any run it started lives: the lock's
// descriptor is inherited by the runs (no close-on-exec), so runs of a killed sweep that are
// still checkpointing keep a new session from starting the same points twice. Waits up to
// `wait_s` for such runs to end.
bool lock_sweep_dir(const std::string& dir, int wait_s) {
  fs::create_directories(dir);
  const int fd = ::open((dir + "/.lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (fd < 0) return false;
  for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; ++waited) {
    if (waited >= wait_s * 10) return false;
    if (waited == 0)
      std::cout << "waiting for the runs of an earlier session to stop...\n" << std::flush;
    usleep(100000);
  }
  return true;
}

int exit_status(const SweepIndex& index, bool interrupted) {
  if (interrupted) return 130;
  const StatusCounts c = count_statuses(index);
  if (c.failed + c.stopped > 0) return 1;
  if (c.diverged > 0) return 3;
  return c.queued + c.running > 0 ? 1 : 0;
}

int finish(const SweepIndex& index, bool interrupted) {
  const std::string csv = write_collection(index);
  const StatusCounts c = count_statuses(index);
  std::cout << "sweep " << index.name << ": "
            << status_summary(c, static_cast<int>(index.points.size()), -1) << "\n";
  for (const PointRecord& r : index.points)
    if (r.status == "failed" || r.status == "diverged" ||
        (r.status == "interrupted" && !interrupted))
      std::cout << "  " << r.status << ": point " << r.point.number << " " << r.point.name
                << " (exit " << r.exit_code << ", see " << output_log_of(r) << ")\n";
  std::cout << "table: " << csv << " and results.md\n";
  if (interrupted)
    std::cout << "interrupted: rerun the same command to resume (finished points are kept)\n";
  return exit_status(index, interrupted);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a sweep of hitnet-run configurations: locally in parallel, or on Slurm."};
  app.set_version_flag("--version", std::string("hitnet-sweep ") + kVersion);
  std::string spec_file, out_dir, collect_dir, executor = "local";
  std::vector<std::string> arguments;
  int jobs = 0, threads_per_run = 0;
  bool dry_run = false, fail_fast = false, wait = false;
  double status_interval = 30;
  SlurmOptions slurm;
  slurm.hitnet_run = default_hitnet_run();
  app.add_option("sweep", spec_file, "sweep file (YAML with `base:`) or a config file");
  app.add_option("values", arguments, "key=value (fixed) or key=a,b,c (a grid axis)");
  app.add_option("--out", out_dir, "sweep directory (default: results/sweeps/<sweep name>)");
  app.add_flag("--dry-run", dry_run, "list the points and which are done; run nothing");
  app.add_option("--jobs,-j", jobs, "points at once (default: cores / threads-per-run)");
  app.add_option("--threads-per-run", threads_per_run,
                 "OpenMP threads in each point (default: cores / jobs)");
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
  app.add_option(
      "--cpus-per-task", slurm.cpus_per_task,
      "slurm: CPUs per task, also each point's threads (default: --threads-per-run, else 1)");
  app.add_option("--throttle", slurm.throttle, "slurm: at most N tasks at once (array %N)");
  app.add_option("--sbatch-arg", slurm.extra_sbatch_args,
                 "slurm: extra sbatch argument, e.g. --sbatch-arg=--account=proj (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--poll-interval", slurm.poll_interval_s, "slurm --wait: seconds between polls");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const bool terminal = isatty(STDOUT_FILENO);

  try {
    if (!collect_dir.empty()) {
      const SweepIndex index = read_index(collect_dir);
      const std::string csv = write_collection(index);
      std::cout << to_markdown(collect_table(index)) << "table: " << csv << " and results.md\n";
      return 0;
    }
    if (spec_file.empty()) {
      std::cerr
          << "hitnet-sweep: a sweep or config file is required (or --collect DIR); see --help\n";
      return 2;
    }
    const SweepSpec spec = build_spec(spec_file, arguments);
    const std::vector<SweepPoint> points = resolve_points(spec);
    if (out_dir.empty()) out_dir = "results/sweeps/" + spec.name;
    if (dry_run) {
      print_plan(plan_sweep(spec, points, out_dir));
      return 0;
    }
    if (!lock_sweep_dir(out_dir, 60)) {
      std::cerr << "hitnet-sweep: another hitnet-sweep (or its runs) is running in " << out_dir
                << "\n";
      return 1;
    }
    SweepIndex index = plan_sweep(spec, points, out_dir);
    write_sweep_spec(spec, index.directory);
    install_sweep_signal_handlers();

    if (executor == "slurm") {
      if (app.count("--cpus-per-task") == 0 && threads_per_run > 0)
        slurm.cpus_per_task = threads_per_run;
      slurm.terminal = terminal;
      slurm.status_interval_s = status_interval;
      std::string error;
      if (!refresh_slurm_states(index, error)) {
        std::cerr << "hitnet-sweep: " << error << "\n";
        return 1;
      }
      print_plan(index);
      const std::string job = submit_slurm(index, slurm);
      write_index(index);
      if (job.empty()) std::cout << "nothing to submit\n";
      if (!wait) {
        if (!job.empty())
          std::cout << "submitted job array " << job << "; follow it with squeue -j " << job
                    << ", collect with hitnet-sweep --collect " << index.directory << "\n";
        return 0;
      }
      std::vector<std::string> jobs_to_follow;
      for (const PointRecord& r : index.points)
        if (r.status == "submitted") {
          const std::string id = r.slurm_job.substr(0, r.slurm_job.find('_'));
          if (std::find(jobs_to_follow.begin(), jobs_to_follow.end(), id) == jobs_to_follow.end())
            jobs_to_follow.push_back(id);
        }
      bool interrupted = false;
      for (const std::string& id : jobs_to_follow)
        if (!wait_slurm(index, id, slurm)) {
          interrupted = true;
          break;
        }
      write_index(index);
      return finish(index, interrupted);
    }

    LocalOptions local;
    local.hitnet_run = slurm.hitnet_run;
    local.fail_fast = fail_fast;
    local.terminal = terminal;
    local.status_interval_s = status_interval;
    int todo = 0;
    for (const PointRecord& r : index.points) todo += r.state.next != NextStep::kNothing;
    local.budget = plan_cpu_budget(jobs, threads_per_run, available_cores(), todo);
    std::cout << "sweep " << index.name << ": " << index.points.size() << " points, "
              << index.points.size() - todo << " already done, " << todo << " to run ("
              << local.budget.jobs << " at once x " << local.budget.threads_per_run
              << " threads) in " << index.directory << "\n";
    write_index(index);
    const LocalOutcome outcome = run_local(index, local);
    return finish(index, outcome.interrupted);
  } catch (const SweepError& e) {
    std::cerr << "hitnet-sweep: " << e.what() << (std::string(e.what()).back() == '\n' ? "" : "\n");
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hitnet-sweep: " << e.what() << "\n";
    return 1;
  }
}
