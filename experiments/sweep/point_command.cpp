#include "experiments/sweep/point_command.hpp"

#include <cstdlib>
#include <filesystem>

namespace hitnet {

std::vector<std::string> start_command(const std::string& hitnet_run, const SweepIndex& index,
                                       const PointRecord& record, int threads, bool force) {
  std::vector<std::string> argv{hitnet_run, index.base_config};
  for (const auto& [key, value] : record.point.overrides) argv.push_back(key + "=" + value);
  argv.insert(argv.end(), {"--threads", std::to_string(threads), "--out", record.dir});
  if (force) argv.push_back("--force");
  return argv;
}

std::vector<std::string> resume_command(const std::string& hitnet_run, const PointRecord& record,
                                        int threads) {
  return {hitnet_run, "--resume", record.dir, "--threads", std::to_string(threads)};
}

std::vector<std::string> point_command(const std::string& hitnet_run, const SweepIndex& index,
                                       const PointRecord& record, int threads) {
  if (record.state.next == NextStep::kResume) return resume_command(hitnet_run, record, threads);
  return start_command(hitnet_run, index, record, threads, record.state.holds_run);
}

std::string default_hitnet_run() {
  if (const char* env = std::getenv("HITNET_RUN"); env && *env) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "hitnet-run" : (self.parent_path() / "hitnet-run").string();
}

}  // namespace hitnet
