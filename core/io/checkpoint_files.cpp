#include "core/io/checkpoint_files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/io/atomic_file.hpp"

namespace hitnet {

namespace fs = std::filesystem;

namespace {

std::string latest_in(const std::string& dir) {
  return dir + "/latest.ckpt";
}
std::string previous_in(const std::string& dir) {
  return dir + "/previous.ckpt";
}

// Makes `from`'s current content `to`, leaving `from` in place where the file system allows.
void keep_as(const std::string& from, const std::string& to) {
  const std::string temp = temp_path_for(to);
  std::remove(temp.c_str());
  if (::link(from.c_str(), temp.c_str()) == 0) {
    replace_file(temp, to);
    return;
  }
  // No hard links here (some FUSE and SMB mounts): move it instead. Until the new latest is
  // renamed in, only previous.ckpt exists, and load_latest_good() resumes from it.
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw std::runtime_error("cannot keep '" + from + "' as '" + to + "': " + std::strerror(errno));
}

}  // namespace

void save_latest(const std::string& dir, const Checkpoint& ck) {
  const std::string latest = latest_in(dir);
  const std::string temp = temp_path_for(latest);
  write_temp_file(temp, ck.to_bytes());
  if (fs::exists(latest)) keep_as(latest, previous_in(dir));
  replace_file(temp, latest);
}

bool has_resume_checkpoint(const std::string& dir) {
  return fs::exists(latest_in(dir)) || fs::exists(previous_in(dir));
}

LoadedCheckpoint load_checkpoint_file(const std::string& path) {
  LoadedCheckpoint loaded{Checkpoint::load(path), path, {}};
  if (!loaded.checkpoint.verified()) loaded.notes.push_back(unverified_checkpoint_warning(path));
  return loaded;
}

LoadedCheckpoint load_latest_good(const std::string& dir) {
  const std::string latest = latest_in(dir), previous = previous_in(dir);
  if (!has_resume_checkpoint(dir))
    throw std::runtime_error(dir + ": no checkpoint to resume from (neither latest.ckpt nor " +
                             "previous.ckpt exists)");
  std::string latest_problem;
  if (fs::exists(latest)) {
    try {
      return load_checkpoint_file(latest);
    } catch (const std::exception& e) {
      latest_problem = e.what();
    }
  } else {
    latest_problem = latest + ": missing";
  }
  if (!fs::exists(previous))
    throw std::runtime_error(latest_problem + "; and there is no " + previous + " to fall back to");
  LoadedCheckpoint loaded;
  try {
    loaded = load_checkpoint_file(previous);
  } catch (const std::exception& e) {
    throw std::runtime_error("no usable checkpoint: " + latest_problem + "; " + e.what());
  }
  if (fs::exists(latest)) {
    const std::string aside = latest + ".damaged";
    if (std::rename(latest.c_str(), aside.c_str()) != 0)
      throw std::runtime_error("cannot move the damaged '" + latest + "' aside to '" + aside +
                               "': " + std::strerror(errno));
    latest_problem += " (moved aside to " + aside + ")";
  }
  loaded.notes.insert(loaded.notes.begin(),
                      latest_problem + "; resuming from " + previous +
                          ", the checkpoint before it (the work since then is redone)");
  return loaded;
}

}  // namespace hitnet
