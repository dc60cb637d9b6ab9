#pragma once
// What a point's run directory holds, and so what the sweep must do for it: nothing (the run
// finished or diverged: both are results), continue it from its checkpoint, or (re)start it.
#include <nlohmann/json.hpp>
#include <string>

namespace hitnet {

enum class NextStep { kNothing, kResume, kStart };

struct RunState {
  std::string status;           // summary.json's status; "" when there is no summary
  bool has_checkpoint = false;  // checkpoints/latest.ckpt
  bool holds_run = false;       // summary.json or checkpoints/ exist: a new start needs --force
  std::string hash;             // config_hash of its config.yaml; "" when none or unreadable
  nlohmann::json summary;       // summary.json, or null
  NextStep next = NextStep::kStart;
};

// Inspects `dir` for the point whose hash is `expected_hash`. A run of another config (hash
// mismatch) is restarted, never resumed.
RunState inspect_run(const std::string& dir, const std::string& expected_hash);

// The last `lines` lines of a text file ("" when it does not exist).
std::string tail_of(const std::string& path, int lines);

}  // namespace hitnet
