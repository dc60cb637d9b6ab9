#include "experiments/sweep/run_state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "core/config/load.hpp"
#include "core/io/hdf5.hpp"
#include "experiments/lib/exit_codes.hpp"

namespace hitnet {

namespace fs = std::filesystem;

namespace {

// "" when results.h5 is a complete file that agrees with a final summary: its status is
// `status` and /final is there. What the analysis reads must be there before a run counts.
std::string results_file_problem(const std::string& path, const std::string& status) {
  if (!fs::exists(path)) return "results.h5 is missing";
  try {
    const h5::QuietErrors quiet;
    h5::Handle file = h5::open_file(path, /*writable=*/false);
    if (!h5::exists(file, "final")) return "results.h5 has no /final";
    const std::string written = h5::read_string_attr(file, "status");
    if (written != status)
      return "results.h5 says '" + written + "' but summary.json '" + status + "'";
    file.close();
  } catch (const std::exception& e) {
    return "results.h5 is truncated or unreadable (" + std::string(e.what()) + ")";
  }
  return "";
}

}  // namespace

RunState inspect_run(const std::string& dir, const std::string& expected_hash) {
  RunState s;
  s.has_checkpoint = fs::exists(dir + "/checkpoints/latest.ckpt");
  s.holds_run = fs::exists(dir + "/summary.json") || fs::exists(dir + "/checkpoints");
  s.live = run_is_live(dir);
  if (std::ifstream in(dir + "/summary.json"); in) {
    s.summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (s.summary.is_object() && s.summary.contains("status") && s.summary["status"].is_string())
      s.status = s.summary["status"].get<std::string>();
    else
      s.damage = "summary.json is not a JSON object with a status";
  }
  if (fs::exists(dir + "/config.yaml")) {
    try {
      s.hash = config_hash(load_config(dir + "/config.yaml"));
    } catch (const ConfigError&) {
      s.hash.clear();  // unreadable: treated as a stranger's run and restarted
    }
  }
  const std::string& wanted = expected_hash.empty() ? s.hash : expected_hash;
  // The hash the run recorded for itself: an older hitnet's where a key added since makes this
  // one hash config.yaml otherwise (or no longer read it), and then the hash an index written by
  // that hitnet expects.
  const std::string recorded = s.summary.is_object() && s.summary.contains("config_hash") &&
                                       s.summary["config_hash"].is_string()
                                   ? s.summary["config_hash"].get<std::string>()
                                   : "";
  const bool same_config =
      (!s.hash.empty() && s.hash == wanted) || (!recorded.empty() && recorded == wanted);
  const bool final = s.status == status::kFinished || s.status == status::kDiverged;
  if (same_config && final && !s.live)
    s.damage = results_file_problem(dir + "/results.h5", s.status);
  if (same_config && final && s.damage.empty())
    s.next = NextStep::kNothing;
  else if (same_config && s.has_checkpoint && !final)
    s.next = NextStep::kResume;
  else
    s.next = NextStep::kStart;
  return s;
}

bool run_is_live(const std::string& dir) {
  const int fd = ::open((dir + "/.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // no lock file: no hitnet-run ever ran here
  const bool live = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);  // releases the probe's own lock, if it got one
  return live;
}

long lock_holder_pid(const std::string& dir) {
  std::ifstream in(dir + "/.lock");
  long pid = 0;
  return in >> pid ? pid : 0;
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
