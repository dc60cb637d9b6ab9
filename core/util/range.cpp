#include "core/util/range.hpp"

#include <charconv>
#include <cmath>

namespace hitnet {

std::string shortest(double v) {
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

bool Range::contains(double v) const {
  const bool above = min_open ? v > min : v >= min;
  const bool below = max_open ? v < max : v <= max;
  return above && below;
}

std::string Range::text() const {
  const bool has_min = std::isfinite(min), has_max = std::isfinite(max);
  if (has_min && has_max)
    return std::string("in ") + (min_open ? "(" : "[") + shortest(min) + ", " + shortest(max) +
           (max_open ? ")" : "]");
  if (has_min) return (min_open ? "> " : ">= ") + shortest(min);
  if (has_max) return (max_open ? "< " : "<= ") + shortest(max);
  return "";
}

}  // namespace hitnet
