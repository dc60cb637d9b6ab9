#include "experiments/lib/run_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/config/load.hpp"
#include "core/io/atomic_file.hpp"
#include "experiments/lib/exit_codes.hpp"
#include "hitnet/version.hpp"

namespace hitnet {

namespace fs = std::filesystem;

std::string default_run_dir(const Config& cfg) {
  return "results/runs/" + cfg.name + "_" + config_hash(cfg);
}

void prepare_run_dir(const std::string& dir, const Config& cfg, bool force) {
  if (fs::exists(dir + "/summary.json") || fs::exists(dir + "/checkpoints")) {
    if (!force && finished_summary(dir))
      throw std::runtime_error(dir +
                               " already holds a run, which finished: choose another --out, "
                               "or replace it with --force");
    if (!force)
      throw std::runtime_error(dir +
                               " already holds a run that has not finished: continue it with "
                               "`hitnet-run --resume " +
                               dir + "`, or start over with --force");
    fs::remove_all(dir + "/checkpoints");
    for (const char* f : {"summary.json", "results.h5", "log.txt", "config.yaml"})
      fs::remove(dir + "/" + f);
  }
  fs::create_directories(dir);
  write_file_atomically(dir + "/config.yaml", to_yaml(cfg));
}

RunDirLock::RunDirLock(const std::string& dir) : dir_(dir) {
  fs::create_directories(dir);
  const std::string path = dir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    throw std::runtime_error(
        dir + " is in use by another hitnet-run" +
        (n > 0 ? " (pid " + std::string(pid, static_cast<size_t>(n)) + ")" : "") +
        "; wait for it or stop it first");
  }
  const std::string me = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The pid is only a hint for the message above; the lock itself is what matters.
  }
}

RunDirLock::~RunDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<nlohmann::json> finished_summary(const std::string& dir) {
  std::ifstream in(dir + "/summary.json");
  if (!in) return std::nullopt;
  const nlohmann::json summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!summary.is_object()) return std::nullopt;
  const auto status = summary.find("status");
  if (status == summary.end() || *status != status::kFinished) return std::nullopt;
  return summary;
}

void remove_stale_temporaries(const RunDirLock& lock) {
  remove_temporaries_in(lock.dir());
  remove_temporaries_in(lock.dir() + "/checkpoints");
}

std::string data_root_for(const std::string& data_path) {
  if (fs::path(data_path).is_absolute() || fs::exists(data_path)) return ".";
  return kSourceDir;
}

}  // namespace hitnet
