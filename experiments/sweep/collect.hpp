#pragma once
// One table of a sweep: a row per point, the varied config keys as columns, then status and
// the final metrics from each run's summary.json. Written as results.csv (for pandas:
// `pd.read_csv("DIR/results.csv")`) and results.md (for reading) in the sweep directory.
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

struct SweepTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // "" for a missing value
};

// The summary.json fields each row reports, in column order after the config keys and status.
const std::vector<std::string>& metric_columns();

SweepTable collect_table(const SweepIndex& index);

std::string to_csv(const SweepTable& table);
std::string to_markdown(const SweepTable& table);

// Writes results.csv and results.md into the sweep directory; returns the CSV's path.
std::string write_collection(const SweepIndex& index);

}  // namespace hitnet
