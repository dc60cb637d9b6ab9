#include "experiments/sweep/run_state.hpp"

#include <deque>
#include <filesystem>
#include <fstream>

#include "core/config/load.hpp"
#include "experiments/sweep/sweep_point.hpp"

namespace hitnet {

namespace fs = std::filesystem;

RunState inspect_run(const std::string& dir, const std::string& expected_hash) {
  RunState s;
  s.has_checkpoint = fs::exists(dir + "/checkpoints/latest.ckpt");
  s.holds_run = fs::exists(dir + "/summary.json") || fs::exists(dir + "/checkpoints");
  if (std::ifstream in(dir + "/summary.json"); in) {
    s.summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (s.summary.is_object() && s.summary.contains("status") && s.summary["status"].is_string())
      s.status = s.summary["status"].get<std::string>();
  }
  if (fs::exists(dir + "/config.yaml")) {
    try {
      s.hash = config_hash(load_config(dir + "/config.yaml"));
    } catch (const ConfigError&) {
      s.hash.clear();  // unreadable: treated as a stranger's run and restarted
    }
  }
  const bool same_config = s.hash == expected_hash;
  if (same_config && (s.status == "finished" || s.status == "diverged"))
    s.next = NextStep::kNothing;
  else if (same_config && s.has_checkpoint)
    s.next = NextStep::kResume;
  else
    s.next = NextStep::kStart;
  return s;
}

std::string tail_of(const std::string& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    // A live progress line rewritten with '\r': keep what was shown last.
    if (const auto cr = line.find_last_of('\r'); cr != std::string::npos && cr + 1 < line.size())
      line = line.substr(cr + 1);
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

}  // namespace hitnet
