#pragma once
// How many points run at once and with how many threads each, never more threads in total
// than the cores this process may use.
#include <string>

namespace hitnet {

struct CpuBudget {
  int jobs = 1;             // points running at once
  int threads_per_run = 1;  // OpenMP threads inside each
};

// The cores available to this process (its CPU affinity mask, as taskset or Slurm set it).
int available_cores();

// Fills what the user left at 0: neither given -> as many single-threaded points as cores
// (at most `points`), one given -> the other is cores / it. Throws SweepError when
// jobs x threads_per_run exceeds `cores`, saying so with the numbers.
CpuBudget plan_cpu_budget(int jobs, int threads_per_run, int cores, int points);

}  // namespace hitnet
