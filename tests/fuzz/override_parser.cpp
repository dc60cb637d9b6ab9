// Fuzz target: key=value overrides, one per line of the input, applied to a small config.
// Either a Config or a ConfigError; anything else is a bug.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> overrides;
  for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  try {
    hitnet::parse_config("name: fuzz\ntrain: {epochs: 1}\n", "base.yaml", overrides);
  } catch (const hitnet::ConfigError&) {
  }
  return 0;
}
