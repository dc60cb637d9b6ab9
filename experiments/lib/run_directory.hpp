#pragma once
// The run directory: where a run writes config.yaml, summary.json, log.txt, results.h5 and
// checkpoints/. Named after the config's name and hash unless --out says otherwise.
#include <string>

#include "core/config/config.hpp"

namespace hitnet {

// results/runs/<name>_<hash>
std::string default_run_dir(const Config& cfg);

// Creates `dir` for a new run and writes config.yaml. Refuses (std::runtime_error) when `dir`
// already holds a run, unless `force`: results already written are never silently replaced.
void prepare_run_dir(const std::string& dir, const Config& cfg, bool force);

// An exclusive lock on a run directory for the life of this object: two processes writing one
// run (a sweep and a user, a resume while the run still goes) would corrupt it. The lock is
// flock(2) on DIR/.lock, released by the kernel even when the process is killed.
class RunDirLock {
 public:
  // Creates `dir` if needed; throws std::runtime_error naming the directory (and the holder's
  // pid) when another process holds the lock.
  explicit RunDirLock(const std::string& dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_ = -1;
};

// The directory relative data paths resolve against: the current one when `data_path` exists
// from there, else the source tree the programs were built from.
std::string data_root_for(const std::string& data_path);

}  // namespace hitnet
