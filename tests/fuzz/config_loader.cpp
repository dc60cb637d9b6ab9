// Fuzz target: a config file's text. Loading either gives a Config or a ConfigError (any other
// exception or a crash is a bug), and a loaded config survives its own round trip: what a run
// writes as config.yaml loads back to the same config and hash (resume depends on it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hitnet::Config cfg;
  try {
    cfg = hitnet::parse_config(text, "fuzz.yaml");
  } catch (const hitnet::ConfigError&) {
    return 0;
  }
  const hitnet::Config back = hitnet::parse_config(hitnet::to_yaml(cfg), "config.yaml");
  if (!(back == cfg) || hitnet::config_hash(back) != hitnet::config_hash(cfg)) std::abort();
  return 0;
}
