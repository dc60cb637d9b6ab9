#include "core/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

bool is_temp_name(const std::string& file_name) {
  const std::size_t mark = file_name.rfind(".tmp.");
  if (mark == std::string::npos || mark == 0) return false;
  const std::string pid = file_name.substr(mark + 5);
  return !pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos;
}

void remove_temporaries_in(const std::string& dir, bool keep_live_writers) {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ignored) || !is_temp_name(name)) continue;
    const long pid = std::strtol(name.c_str() + name.rfind(".tmp.") + 5, nullptr, 10);
    const bool live = ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
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
