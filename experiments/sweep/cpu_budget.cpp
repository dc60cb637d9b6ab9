#include "experiments/sweep/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "experiments/sweep/sweep_spec.hpp"

namespace hitnet {

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

CpuBudget plan_cpu_budget(int jobs, int threads_per_run, int cores, int points) {
  if (jobs < 0 || threads_per_run < 0)
    throw SweepError("--jobs and --threads-per-run must be positive");
  CpuBudget b;
  if (jobs == 0 && threads_per_run == 0) {
    b.jobs = std::clamp(points, 1, cores);
    b.threads_per_run = std::max(1, cores / b.jobs);
  } else if (jobs == 0) {
    b.threads_per_run = threads_per_run;
    b.jobs = std::clamp(cores / threads_per_run, 1, std::max(1, points));
  } else if (threads_per_run == 0) {
    b.jobs = jobs;
    b.threads_per_run = std::max(1, cores / jobs);
  } else {
    b.jobs = jobs;
    b.threads_per_run = threads_per_run;
  }
  if (b.jobs * b.threads_per_run > cores)
    throw SweepError("--jobs " + std::to_string(b.jobs) + " x --threads-per-run " +
                     std::to_string(b.threads_per_run) + " = " +
                     std::to_string(b.jobs * b.threads_per_run) + " threads, but only " +
                     std::to_string(cores) + " cores are available: lower one of them");
  return b;
}

}  // namespace hitnet
