#pragma once
// What a point's run directory holds, and so what the sweep must do for it: nothing (the run
// finished or diverged: both are results), continue it from its checkpoint, or (re)start it --
// and whether a process is writing it right now (its hitnet-run holds DIR/.lock), whoever
// started it: this sweep, an earlier one that died, a Slurm task or a user.
#include <nlohmann/json.hpp>
#include <string>

namespace hitnet {

enum class NextStep { kNothing, kResume, kStart };

struct RunState {
  std::string status;           // summary.json's status; "" when there is no (readable) summary
  bool has_checkpoint = false;  // checkpoints/latest.ckpt
  bool holds_run = false;       // summary.json or checkpoints/ exist: a new start needs --force
  bool live = false;            // a hitnet-run holds the directory's lock now
  std::string hash;             // config_hash of its config.yaml; "" when none or unreadable
  nlohmann::json summary;       // summary.json, or null
  // Why the directory's results cannot be trusted ("" when they can): a summary.json that is
  // not JSON, or a finished run whose results.h5 is missing, truncated or unreadable. Such a
  // run is no result: it is resumed when it has a checkpoint and no final status, else rerun.
  std::string damage;
  NextStep next = NextStep::kStart;
};

// Inspects `dir` for the point whose hash is `expected_hash` ("": whatever its own config.yaml
// says, read by this hitnet). A run of another config (hash mismatch) is restarted, never resumed.
RunState inspect_run(const std::string& dir, const std::string& expected_hash);

// True while some process holds `dir`/.lock (hitnet-run takes it for its whole life; the kernel
// releases it when the process dies, even by SIGKILL). Probes with a non-blocking flock that is
// released at once.
bool run_is_live(const std::string& dir);

// The pid hitnet-run wrote into `dir`/.lock (for messages only); 0 when unknown.
long lock_holder_pid(const std::string& dir);

// The last `lines` lines of a text file ("" when it does not exist).
std::string tail_of(const std::string& path, int lines);

}  // namespace hitnet
