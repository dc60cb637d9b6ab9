#pragma once
// The status words of a run: summary.json's and results.h5's "status", and the sweep's
// index.json and results.csv. The exit code each stands for is experiments/lib/exit_codes.hpp.
#include <string_view>

namespace hitnet::status {

inline constexpr std::string_view kRunning = "running";
inline constexpr std::string_view kFinished = "finished";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kBadConfig = "bad_config";
inline constexpr std::string_view kDiverged = "diverged";
inline constexpr std::string_view kInterrupted = "interrupted";  // checkpointed: resumable

}  // namespace hitnet::status
