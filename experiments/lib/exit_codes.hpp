#pragma once
// hitnet-run's exit codes and the run status each one stands for: the one table that
// hitnet-run returns by, that hitnet-sweep's local and Slurm executors read a finished process
// by, and that gives a run which ended without its driver (summary.json's status) its code.
#include <array>
#include <string_view>

#include "core/io/run_status.hpp"

namespace hitnet {

namespace exit_code {
inline constexpr int kFinished = 0;
inline constexpr int kFailed = 1;
inline constexpr int kBadConfig = 2;  // a bad config or command line
inline constexpr int kDiverged = 3;
inline constexpr int kInterrupted = 130;  // SIGINT/SIGTERM/SIGHUP: checkpointed, resumable
}  // namespace exit_code

struct ExitMeaning {
  int code;
  std::string_view status;
};

inline constexpr std::array<ExitMeaning, 5> kExitTable{{
    {exit_code::kFinished, status::kFinished},
    {exit_code::kFailed, status::kFailed},
    {exit_code::kBadConfig, status::kBadConfig},
    {exit_code::kDiverged, status::kDiverged},
    {exit_code::kInterrupted, status::kInterrupted},
}};

// The status an exit code stands for. A code outside the table (128 + signal for a crash or a
// kill, 127 for a program that could not be started) is a failure.
constexpr std::string_view status_of_exit_code(int code) {
  for (const ExitMeaning& m : kExitTable)
    if (m.code == code) return m.status;
  return status::kFailed;
}

// The exit code a status stands for; -1 for a status no exit code gives (running, and the
// sweep's own: pending, submitted, damaged).
constexpr int exit_code_of_status(std::string_view status) {
  for (const ExitMeaning& m : kExitTable)
    if (m.status == status) return m.code;
  return -1;
}

}  // namespace hitnet
