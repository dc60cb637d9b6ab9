#pragma once
// Sweep spec -> the list of points, each the full set of overrides applied to the base config.
#include <vector>

#include "experiments/sweep/sweep_spec.hpp"

namespace hitnet {

// grid (cartesian, last key fastest) x each zip group (varied together), then the explicit
// points; the fixed overrides come first in every point, so a point's own keys win. No axes
// and no explicit points: one point, the base config with the overrides.
std::vector<Assignment> expand_points(const SweepSpec& spec);

// The keys taking more than one value across `points`, in first-seen order: what names the
// points and becomes the columns of the collected table.
std::vector<std::string> varied_keys(const std::vector<Assignment>& points);

}  // namespace hitnet
