#pragma once
// Follows a file another process appends to -- a run's output.log, which hitnet-run writes
// itself -- as `tail -f` would: the sweep learns a run's progress from the file, never from a
// pipe, so nothing of the run depends on the sweep staying alive.
#include <cstdint>
#include <string>
#include <vector>

namespace hitnet {

class LogFollower {
 public:
  LogFollower() = default;
  // Follows `path` from its current end: what was there before is not this session's.
  explicit LogFollower(std::string path);
  // The complete lines appended since the last call (a line ends at '\n', or at '\r' where a
  // live progress line is rewritten in place). A line still being written waits for its end.
  std::vector<std::string> new_lines();

 private:
  std::string path_;
  std::uint64_t offset_ = 0;
  std::string partial_;
};

}  // namespace hitnet
