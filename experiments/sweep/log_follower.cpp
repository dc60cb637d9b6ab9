#include "experiments/sweep/log_follower.hpp"

#include <filesystem>
#include <fstream>

namespace hitnet {

LogFollower::LogFollower(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  offset_ = ec ? 0 : size;
}

std::vector<std::string> LogFollower::new_lines() {
  std::vector<std::string> lines;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  if (ec) return lines;
  if (size < offset_) offset_ = 0, partial_.clear();  // replaced by a shorter file: start over
  if (size == offset_) return lines;
  std::ifstream in(path_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(size - offset_, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<size_t>(in.gcount()));
  offset_ += chunk.size();
  for (char c : chunk) {
    if (c == '\n' || c == '\r') {
      if (!partial_.empty()) lines.push_back(partial_);
      partial_.clear();
    } else {
      partial_ += c;
    }
  }
  return lines;
}

}  // namespace hitnet
