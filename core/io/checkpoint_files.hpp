#pragma once
// The resume checkpoints of a run: checkpoints/latest.ckpt and the one it replaced,
// checkpoints/previous.ckpt. A damaged latest (a flipped bit on disk, a file cut short by a
// crash of the machine) then costs the work since the previous one, not the run.
#include <string>
#include <vector>

#include "core/io/checkpoint.hpp"

namespace hitnet {

// A checkpoint read back: the file it came from and what the run's log should say about it.
struct LoadedCheckpoint {
  Checkpoint checkpoint;
  std::string path;  // the file it was read from
  std::vector<std::string>
      notes;  // one line each (a fallback, an unverifiable old file); often none
};

// Writes `ck` as DIR/latest.ckpt and keeps the file it replaces as DIR/previous.ckpt. Each
// step is an atomic rename, and latest.ckpt always exists once written (the old file is
// hard-linked to previous.ckpt before the new one is renamed over it). Throws
// std::runtime_error naming the file.
void save_latest(const std::string& dir, const Checkpoint& ck);

// Whether DIR holds a resume checkpoint at all (latest.ckpt or previous.ckpt, good or not).
bool has_resume_checkpoint(const std::string& dir);

// DIR/latest.ckpt when it is good; else DIR/previous.ckpt, with a note saying why. A damaged
// latest is then renamed DIR/latest.ckpt.damaged (kept for a post-mortem), so that the next
// save_latest() keeps the good previous.ckpt instead of the damaged one. Throws
// std::runtime_error naming both files and what is wrong with each when neither is good.
// Call it with the run directory's lock held: it may rename a file.
LoadedCheckpoint load_latest_good(const std::string& dir);

// One checkpoint file (best.ckpt) with the note for an old, unverifiable one. Throws like
// Checkpoint::load.
LoadedCheckpoint load_checkpoint_file(const std::string& path);

}  // namespace hitnet
