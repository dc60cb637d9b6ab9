#pragma once
// What a sweep varies: a base config plus values for config keys. Declared in a sweep file
//
//   base: ../ptb_lstm_ternary.yaml        # relative to the sweep file
//   overrides: {train.epochs: 10}        # fixed for every point
//   grid: {quant.sloping_factor: [0.25, 0.5, 1.0], seed: [1, 2]}   # cartesian product
//   zip: {model.hidden: [100, 300], model.embedding: [100, 300]}   # varied together
//   points: [{quant.weight_quant: ttq, seed: 7}]                  # explicit extra points
//
// or on the command line, Hydra style: `CONFIG key=a,b,c key2=1` (a comma list is a grid axis,
// a single value a fixed override).
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hitnet {

// A bad sweep: the message names the file (and line) or the point and key at fault.
struct SweepError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One config key with its values, each value YAML text as an override takes it ("0.5", "ttq",
// "{method: uniform, bits: 2}").
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

using Assignment = std::vector<std::pair<std::string, std::string>>;  // key -> YAML value

struct SweepSpec {
  std::string name;                     // names the default output directory
  std::string base_config;              // absolute path
  Assignment overrides;                 // fixed for every point
  std::vector<Axis> grid;               // cartesian product, the last key varying fastest
  std::vector<std::vector<Axis>> zips;  // each group: equal-length lists, varied together
  std::vector<Assignment> points;       // explicit points, in addition to grid x zips
};

// Reads a sweep file. Throws SweepError naming the file, line and key.
SweepSpec load_sweep_file(const std::string& path);

// True when `path` is a sweep file (a YAML map with a `base:` key) rather than a config.
bool is_sweep_file(const std::string& path);

// Adds command-line `key=a,b,c` (a grid axis) and `key=value` (a fixed override) arguments.
// Commas inside [] or {} do not split: `quant.weight_quant={method: uniform, bits: 2},fp`.
// The command line wins: a key it sets takes its value in place of every value the sweep file
// gave it (fixed, grid, zip column, explicit points), so `hitnet-sweep configs/paper/fp.yaml
// model.cell=gru` runs the GRU point alone. (Points it makes the same are an error of
// resolve_points, as any two equal points are.)
void add_command_line_axes(SweepSpec& spec, const std::vector<std::string>& arguments);

// The spec as a sweep file, with `base` written relative to `directory`: what the sweep
// directory keeps, so that `hitnet-sweep DIR/sweep.yaml --out DIR` repeats the sweep.
std::string sweep_file_text(const SweepSpec& spec, const std::string& directory);

// Splits a value list at top-level commas.
std::vector<std::string> split_values(const std::string& list);

}  // namespace hitnet
