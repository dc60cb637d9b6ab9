#include "experiments/sweep/expand.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace hitnet {

std::vector<Assignment> expand_points(const SweepSpec& spec) {
  // Every axis of the product is a list of partial assignments: one per grid value, one per
  // row of a zip group.
  std::vector<std::vector<Assignment>> axes;
  for (const Axis& axis : spec.grid) {
    std::vector<Assignment> options;
    for (const std::string& v : axis.values) options.push_back({{axis.key, v}});
    axes.push_back(options);
  }
  for (const auto& group : spec.zips) {
    std::vector<Assignment> rows(group.front().values.size());
    for (const Axis& axis : group)
      for (size_t i = 0; i < rows.size(); ++i) rows[i].emplace_back(axis.key, axis.values[i]);
    axes.push_back(rows);
  }

  std::vector<Assignment> points;
  const bool product = !axes.empty() || spec.points.empty();
  if (product) {
    std::vector<Assignment> partial{spec.overrides};
    for (const auto& options : axes) {
      std::vector<Assignment> next;
      for (const Assignment& p : partial)
        for (const Assignment& o : options) {
          Assignment combined = p;
          combined.insert(combined.end(), o.begin(), o.end());
          next.push_back(combined);
        }
      partial = std::move(next);
    }
    points = std::move(partial);
  }
  for (const Assignment& explicit_point : spec.points) {
    Assignment combined = spec.overrides;
    combined.insert(combined.end(), explicit_point.begin(), explicit_point.end());
    points.push_back(combined);
  }
  return points;
}

std::vector<std::string> varied_keys(const std::vector<Assignment>& points) {
  // A key's effective value in a point is its last assignment; a key a point leaves unset
  // counts as its own value (the base config's).
  std::vector<std::string> order;
  std::map<std::string, std::set<std::string>> values;
  for (const Assignment& p : points)
    for (const auto& [key, value] : p)
      if (values.find(key) == values.end()) {
        order.push_back(key);
        values[key];
      }
  for (const Assignment& p : points) {
    std::map<std::string, std::string> effective;
    for (const auto& [key, value] : p) effective[key] = value;
    for (const std::string& key : order) {
      const auto it = effective.find(key);
      values[key].insert(it == effective.end() ? "\x01unset" : it->second);
    }
  }
  std::vector<std::string> out;
  std::copy_if(order.begin(), order.end(), std::back_inserter(out),
               [&](const std::string& k) { return values[k].size() > 1; });
  return out;
}

}  // namespace hitnet
