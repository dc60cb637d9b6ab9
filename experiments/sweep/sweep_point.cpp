#include "experiments/sweep/sweep_point.hpp"

#include <cctype>
#include <map>

#include <yaml-cpp/yaml.h>

#include "core/config/load.hpp"
#include "experiments/sweep/expand.hpp"

namespace hitnet {
namespace {

std::string override_text(const std::pair<std::string, std::string>& kv) {
  return kv.first + "=" + kv.second;
}

std::vector<std::string> dotted_parts(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  return parts;
}

std::string suffix(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = parts.size() - n; i < parts.size(); ++i)
    out += (out.empty() ? "" : ".") + parts[i];
  return out;
}

std::string short_key(const std::string& key, const std::vector<std::string>& keys) {
  const auto parts = dotted_parts(key);
  for (size_t n = 1; n < parts.size(); ++n) {
    const std::string candidate = suffix(parts, n);
    bool unique = true;
    for (const std::string& other : keys) {
      const auto other_parts = dotted_parts(other);
      if (other != key && other_parts.size() >= n && suffix(other_parts, n) == candidate)
        unique = false;
    }
    if (unique) return candidate;
  }
  return key;
}

// Keeps letters, digits, '.', '+' and '-'; any other run of characters becomes one '-'. A map
// value keeps only its values: "{method: uniform, bits: 2}" -> "uniform-2".
std::string file_safe(const std::string& value) {
  std::string text = value;
  if (!value.empty() && value.front() == '{') try {
      text.clear();
      for (const auto& kv : YAML::Load(value))
        text += (text.empty() ? "" : "-") + (kv.second.IsScalar() ? kv.second.Scalar() : "x");
    } catch (const YAML::Exception&) {
      text = value;
    }
  std::string out;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' ||
                      (c == '-' && out.empty());
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 40) out.resize(40);
  return out.empty() ? "empty" : out;
}

// The value `key` has in the resolved config, as YAML text ("" when there is no such key): a
// point that leaves a varied key to the base config still gets its value in names and tables.
std::string resolved_value(const Config& cfg, const std::string& key) {
  YAML::Node node = YAML::Load(to_yaml(cfg));
  for (const std::string& part : dotted_parts(key)) {
    if (!node.IsMap() || !node[part]) return "";
    node = node[part];
  }
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

}  // namespace

std::string describe(const Assignment& assignment) {
  std::string out;
  for (const auto& kv : assignment) out += (out.empty() ? "" : " ") + override_text(kv);
  return out;
}

std::string point_name(const Assignment& varied, const std::vector<std::string>& keys,
                       const std::string& config_name, const std::string& hash) {
  std::string name;
  for (const auto& [key, value] : varied)
    name += short_key(key, keys) + "=" + file_safe(value) + "_";
  return (name.empty() ? config_name + "_" : name) + hash;
}

std::vector<SweepPoint> resolve_points(const SweepSpec& spec) {
  const std::vector<Assignment> expanded = expand_points(spec);
  const std::vector<std::string> keys = varied_keys(expanded);
  std::vector<SweepPoint> points;
  std::string errors;
  int bad = 0;
  std::map<std::string, int> number_of_hash;
  for (size_t i = 0; i < expanded.size(); ++i) {
    SweepPoint p;
    p.number = static_cast<int>(i) + 1;
    p.overrides = expanded[i];
    std::map<std::string, std::string> effective;
    for (const auto& [key, value] : p.overrides) effective[key] = value;
    // The point's own values: what follows the fixed overrides every point starts with.
    const Assignment own(p.overrides.begin() + static_cast<long>(spec.overrides.size()),
                         p.overrides.end());
    const std::string label = "point " + std::to_string(p.number) + " (" +
                              describe(own.empty() ? p.overrides : own) + ")";
    std::vector<std::string> overrides;
    for (const auto& kv : p.overrides) overrides.push_back(override_text(kv));
    try {
      p.config = load_config(spec.base_config, overrides);
    } catch (const ConfigError& e) {
      if (++bad <= 10) errors += "  " + label + ": " + e.what() + "\n";
      continue;
    }
    for (const std::string& key : keys)
      p.varied.emplace_back(key,
                            effective.count(key) ? effective[key] : resolved_value(p.config, key));
    p.hash = config_hash(p.config);
    // Named by the varied keys the point sets itself: an explicit point that changes the data
    // is named by that, not by every other point's defaults.
    Assignment named;
    for (const auto& kv : p.varied)
      if (effective.count(kv.first)) named.push_back(kv);
    p.name = point_name(named, keys, p.config.name, p.hash);
    if (const auto dup = number_of_hash.find(p.hash); dup != number_of_hash.end()) {
      errors += "  " + label + ": the same config as point " + std::to_string(dup->second) +
                " (hash " + p.hash +
                "; the hash leaves out name, threads and log.*, which do not change results)\n";
      continue;
    }
    number_of_hash[p.hash] = p.number;
    points.push_back(std::move(p));
  }
  if (bad > 10) errors += "  ... and " + std::to_string(bad - 10) + " more bad points\n";
  if (!errors.empty())
    throw SweepError("invalid sweep over " + spec.base_config + ", nothing was run:\n" + errors);
  return points;
}

}  // namespace hitnet
