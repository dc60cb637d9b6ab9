#pragma once
// YAML file + key=value overrides -> validated Config; Config -> canonical YAML and hash.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace hitnet {

// A bad config: the message names the file, the line (when known) and the dotted key, and says
// what was expected, e.g. "configs/a.yaml:12: model.hiden: unknown key (did you mean
// 'model.hidden'?)". Programs print it and exit with status 2.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Loads `path`, applies overrides ("a.b.c=value", value parsed as YAML), fills defaults and
// validates every key before returning. Throws ConfigError, also for a file without any key.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same from YAML text; `source` names it in messages.
Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<std::string>& overrides = {});

// The resolved config as YAML, every key present, in schema order (what runs write as
// config.yaml and what load_config() reads back to the same Config).
std::string to_yaml(const Config& cfg);

// 12 hex digits of sha256 over the canonical YAML of everything that can change results
// (all keys except `name`, `threads` and log.*). Equal configs, equal hashes; used by sweeps
// to match runs.
std::string config_hash(const Config& cfg);

// Every key with its default, type, allowed values and a one-line doc (for --help texts).
std::string describe_keys();

}  // namespace hitnet
