#pragma once
// Allowed numbers: [min, max] with either end optionally open. Shared by config keys and by the
// options each quantizer declares, so both validate and describe numbers the same way.
#include <limits>
#include <string>

namespace hitnet {

struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;

  bool contains(double v) const;  // false for NaN
  std::string text() const;       // ">= 1", "> 0", "in [0, 1)", "" (anything)
};

inline Range at_least(double min) {
  return {.min = min};
}
inline Range greater_than(double min) {
  return {.min = min, .min_open = true};
}
inline Range between(double min, double max) {
  return {.min = min, .max = max};
}

// Shortest text that reads back to the same double ("0.1", not "0.10000000000000001").
std::string shortest(double v);

}  // namespace hitnet
