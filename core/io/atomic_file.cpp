#include "core/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

namespace hitnet {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) fail("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync", path);
}

}  // namespace

std::string temp_path_for(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

namespace {
// The pid in a temp_path_for() name "<name>.tmp.<pid>"; nullopt for any other name.
std::optional<long> temp_writer_pid(const std::string& file_name) {
  const std::size_t mark = file_name.rfind(".tmp.");
  if (mark == std::string::npos || mark == 0) return std::nullopt;
  const std::string pid = file_name.substr(mark + 5);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::strtol(pid.c_str(), nullptr, 10);
}
}  // namespace

bool is_temp_name(const std::string& file_name) {
  return temp_writer_pid(file_name).has_value();
}

void remove_temporaries_in(const std::string& dir, bool keep_live_writers) {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    const auto pid = temp_writer_pid(entry.path().filename().string());
    if (!entry.is_regular_file(ignored) || !pid) continue;
    const bool live = ::kill(static_cast<pid_t>(*pid), 0) == 0 || errno == EPERM;
    if (!(keep_live_writers && live)) std::filesystem::remove(entry.path(), ignored);
  }
}

void replace_file(const std::string& temp, const std::string& path) {
  fsync_path(temp, O_RDONLY);
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename '" + temp + "' to", path);
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  fsync_path(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
}

void write_temp_file(const std::string& temp, std::string_view content) {
  std::FILE* out = std::fopen(temp.c_str(), "wb");
  if (!out) fail("cannot write", temp);
  const bool ok = std::fwrite(content.data(), 1, content.size(), out) == content.size();
  if (std::fclose(out) != 0 || !ok) {
    const int write_errno = errno;  // what went wrong, not what remove() may set
    std::remove(temp.c_str());
    errno = write_errno;
    fail("cannot write", temp);
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  const std::string temp = temp_path_for(path);
  write_temp_file(temp, content);
  replace_file(temp, path);
}

}  // namespace hitnet
