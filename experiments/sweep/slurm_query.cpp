#include "experiments/sweep/slurm_query.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "core/util/sha256.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/interrupts.hpp"

namespace hitnet {
namespace {

using Clock = std::chrono::steady_clock;

// Runs `argv` until it exits 0, waiting between attempts as `backoff` says. A program that is
// not installed (127) is not retried; neither is anything once the user pressed Ctrl-C.
CommandResult run_with_backoff(const std::vector<std::string>& argv, const Backoff& backoff) {
  const auto start = Clock::now();
  const int interrupts = g_sweep_interrupts;
  double wait_s = backoff.first_s;
  for (;;) {
    CommandResult r = run_command(argv);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (r.exit_code == 0 || r.exit_code == 127 || elapsed + wait_s > backoff.give_up_s ||
        g_sweep_interrupts != interrupts)
      return r;
    if (wait_s == 2 * backoff.first_s)  // quiet about a single hiccup
      std::cerr << "hitnet-sweep: " << argv[0] << " failed (exit " << r.exit_code << ": "
                << r.output.substr(0, r.output.find('\n')) << "); asking again for up to "
                << backoff.give_up_s << " s\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    wait_s = std::min(backoff.max_s, 2 * wait_s);
  }
}

}  // namespace

std::string slurm_job_name(const std::string& sweep_name, const std::string& directory) {
  std::string safe;
  for (char c : sweep_name)
    safe +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '-';
  return "hitnet-" + safe + "-" + sha256_hex(directory).substr(0, 8);
}

bool live_slurm_tasks(const std::string& job_name, const Backoff& backoff,
                      std::vector<SlurmTask>& tasks, std::string& error, int& exit_code) {
  // One line per task (-r expands pending arrays); the script path last, as it may hold '|'.
  const CommandResult r = run_with_backoff(
      {"squeue", "--me", "-h", "-r", "--name=" + job_name, "-o", "%i|%T|%o"}, backoff);
  exit_code = r.exit_code;
  if (r.exit_code != 0) {
    const char* conf = std::getenv("SLURM_CONF");
    error = "squeue failed (exit " + std::to_string(r.exit_code) + "): " + r.output +
            "(is Slurm reachable? SLURM_CONF=" + (conf ? conf : "unset") + ")";
    return false;
  }
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto bar1 = line.find('|'), bar2 = line.find('|', bar1 + 1);
    if (bar1 == std::string::npos || bar2 == std::string::npos) continue;
    SlurmTask t;
    t.id = line.substr(0, bar1);
    t.state = line.substr(bar1 + 1, bar2 - bar1 - 1);
    t.script = line.substr(bar2 + 1);
    const auto underscore = t.id.find('_');
    if (underscore == std::string::npos) continue;
    try {
      t.task = std::stoi(t.id.substr(underscore + 1));
    } catch (const std::exception&) {
      continue;  // "123_[4-9]": squeue -r lists every task on its own line
    }
    tasks.push_back(t);
  }
  return true;
}

namespace {
int exit_of(int code, int signal) {
  return signal != 0 ? 128 + signal : code;
}
}  // namespace

std::map<std::string, TaskEnd> parse_sacct_tasks(const std::string& output) {
  std::map<std::string, TaskEnd> out;
  static const std::regex row(R"(^(\d+_\d+)\|(\S+)[^|]*\|(\d+):(\d+)$)");
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row))
      out[m[1]] = {m[2], exit_of(std::stoi(m[3]), std::stoi(m[4]))};
  }
  return out;
}

void add_scontrol_tasks(const std::string& job_id, const std::string& output,
                        std::map<std::string, TaskEnd>& tasks) {
  static const std::regex task(R"(ArrayTaskId=(\d+)\s)"), state(R"(JobState=(\S+))"),
      code(R"(\bExitCode=(\d+):(\d+))");
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    std::smatch t, s, c;
    if (!std::regex_search(line, t, task) || !std::regex_search(line, s, state) ||
        !std::regex_search(line, c, code))
      continue;
    const std::string id = job_id + "_" + std::string(t[1]);
    if (!tasks.count(id)) tasks[id] = {s[1], exit_of(std::stoi(c[1]), std::stoi(c[2]))};
  }
}

std::map<std::string, TaskEnd> ended_slurm_tasks(const std::string& job_id) {
  // sacct first: it keeps every ended task; it fails where accounting is off.
  const CommandResult acct =
      run_command({"sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode"});
  std::map<std::string, TaskEnd> out;
  if (acct.exit_code == 0) out = parse_sacct_tasks(acct.output);
  // scontrol: what slurmctld still remembers, for what sacct does not know.
  const CommandResult ctl = run_command({"scontrol", "-o", "show", "job", job_id});
  if (ctl.exit_code == 0) add_scontrol_tasks(job_id, ctl.output, out);
  return out;
}

long slurm_time_seconds(const std::string& text) {
  static const std::regex pattern(R"((?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return -1;
  const long days = m[1].matched ? std::stol(m[1]) : 0;
  const long a = std::stol(m[2]);
  const long b = m[3].matched ? std::stol(m[3]) : -1, c = m[4].matched ? std::stol(m[4]) : -1;
  if (m[1].matched) {  // days-hours[:minutes[:seconds]]
    return days * 86400 + a * 3600 + std::max(0L, b) * 60 + std::max(0L, c);
  }
  if (c >= 0) return a * 3600 + b * 60 + c;  // hours:minutes:seconds
  if (b >= 0) return a * 60 + b;             // minutes:seconds
  return a * 60;                             // minutes
}

}  // namespace hitnet
