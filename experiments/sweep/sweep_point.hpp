#pragma once
// A point of a sweep: its overrides, the validated config they produce, and the identity the
// sweep matches runs by (hash) and names its run directory after.
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "experiments/sweep/sweep_spec.hpp"

namespace hitnet {

struct SweepPoint {
  int number = 0;        // 1-based, as messages count
  Assignment overrides;  // applied to the base config, in order
  Assignment varied;     // the varied keys' values in this point (names and table columns)
  Config config;
  std::string hash;  // config_hash(config) (which leaves out threads)
  std::string name;  // run directory name: varied keys and values, then the hash
};


// Expands the spec and loads every point's config. Throws SweepError listing every bad point
// with its number, its varied values and the config loader's message (file, key, expectation)
// -- before anything runs. Two points with the same config are an error too.
std::vector<SweepPoint> resolve_points(const SweepSpec& spec);

// "sloping_factor=0.5_seed=2_3fa2c9d1e0b4": each varied key the point sets, by its shortest
// dotted suffix unique among `keys`, values reduced to file-name-safe characters, then the hash.
// Without varied keys: "<config name>_<hash>".
std::string point_name(const Assignment& varied, const std::vector<std::string>& keys,
                       const std::string& config_name, const std::string& hash);

// "key=value key2=value2", for messages.
std::string describe(const Assignment& assignment);

}  // namespace hitnet
