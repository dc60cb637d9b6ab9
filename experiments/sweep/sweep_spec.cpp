#include "experiments/sweep/sweep_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace hitnet {
namespace {

namespace fs = std::filesystem;

std::string where(const std::string& file, const YAML::Node& node) {
  return node.Mark().is_null() ? file : file + ":" + std::to_string(node.Mark().line + 1);
}

// A value as override text: scalars verbatim, maps and lists in YAML flow style.
std::string value_text(const YAML::Node& value) {
  if (value.IsScalar()) return value.Scalar();
  if (value.IsNull()) return "null";
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

std::vector<std::string> value_list(const std::string& file, const std::string& key,
                                    const YAML::Node& values) {
  if (!values.IsSequence() || values.size() == 0)
    throw SweepError(where(file, values) + ": " + key +
                     ": expected a non-empty list of values, e.g. [1, 2, 3]");
  std::vector<std::string> out;
  for (const YAML::Node& v : values) out.push_back(value_text(v));
  return out;
}

std::vector<Axis> axes_of(const std::string& file, const std::string& section,
                          const YAML::Node& map) {
  if (!map.IsMap())
    throw SweepError(where(file, map) + ": " + section + ": expected a map of key: [values]");
  std::vector<Axis> axes;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    axes.push_back({key, value_list(file, section + "." + key, entry.second)});
  }
  return axes;
}

Assignment assignment_of(const std::string& file, const std::string& section,
                         const YAML::Node& node) {
  Assignment out;
  if (node.IsMap()) {
    for (const auto& entry : node) out.emplace_back(entry.first.Scalar(), value_text(entry.second));
  } else if (node.IsSequence()) {  // ["key=value", ...], as on the command line
    for (const YAML::Node& item : node) {
      const std::string text = item.IsScalar() ? item.Scalar() : "";
      const auto eq = text.find('=');
      if (eq == std::string::npos || eq == 0)
        throw SweepError(where(file, item) + ": " + section + ": expected key=value, found '" +
                         text + "'");
      out.emplace_back(text.substr(0, eq), text.substr(eq + 1));
    }
  } else if (!node.IsNull()) {
    throw SweepError(where(file, node) + ": " + section + ": expected a map of key: value");
  }
  return out;
}

YAML::Node load_yaml(const std::string& path) {
  if (!fs::is_regular_file(path)) throw SweepError(path + ": no such sweep or config file");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw SweepError(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
}

void emit_assignment(YAML::Emitter& out, const Assignment& a) {
  out << YAML::Flow << YAML::BeginMap;
  for (const auto& [key, value] : a) out << YAML::Key << key << YAML::Value << YAML::Load(value);
  out << YAML::EndMap;
}

void emit_axes(YAML::Emitter& out, const std::vector<Axis>& axes) {
  out << YAML::BeginMap;
  for (const Axis& axis : axes) {
    out << YAML::Key << axis.key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& v : axis.values) out << YAML::Load(v);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

bool is_sweep_file(const std::string& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    return root.IsMap() && root["base"];
  } catch (const YAML::Exception&) {
    return false;  // the config loader reports the YAML error with its own context
  }
}

SweepSpec load_sweep_file(const std::string& path) {
  const YAML::Node root = load_yaml(path);
  if (!root.IsMap() || !root["base"])
    throw SweepError(path + ": a sweep file needs `base: <config file>`");
  SweepSpec spec;
  spec.name = fs::path(path).stem().string();
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& v = entry.second;
    if (key == "base") {
      if (!v.IsScalar()) throw SweepError(where(path, v) + ": base: expected a config file path");
      spec.base_config =
          fs::absolute(fs::path(path).parent_path() / v.Scalar()).lexically_normal().string();
      if (!fs::is_regular_file(spec.base_config))
        throw SweepError(where(path, v) + ": base: no such config file '" + spec.base_config +
                         "' (the path is relative to the sweep file)");
    } else if (key == "name") {
      spec.name = v.Scalar();
    } else if (key == "overrides") {
      spec.overrides = assignment_of(path, "overrides", v);
    } else if (key == "grid") {
      spec.grid = axes_of(path, "grid", v);
    } else if (key == "zip") {
      if (v.IsMap()) {
        spec.zips.push_back(axes_of(path, "zip", v));
      } else if (v.IsSequence()) {
        for (const YAML::Node& group : v) spec.zips.push_back(axes_of(path, "zip", group));
      } else {
        throw SweepError(where(path, v) + ": zip: expected a map of key: [values] (or a list)");
      }
    } else if (key == "points") {
      if (!v.IsSequence())
        throw SweepError(where(path, v) + ": points: expected a list of {key: value} maps");
      for (const YAML::Node& p : v) spec.points.push_back(assignment_of(path, "points", p));
    } else {
      throw SweepError(where(path, entry.first) + ": unknown sweep key '" + key +
                       "' (expected base, name, overrides, grid, zip, points)");
    }
  }
  for (const auto& group : spec.zips)
    for (const Axis& axis : group)
      if (axis.values.size() != group.front().values.size())
        throw SweepError(path + ": zip: " + axis.key + " has " +
                         std::to_string(axis.values.size()) + " values but " + group.front().key +
                         " has " + std::to_string(group.front().values.size()) +
                         ": keys varied together need lists of equal length");
  return spec;
}

std::vector<std::string> split_values(const std::string& list) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : list) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  out.push_back(current);
  return out;
}

namespace {

// Gives `key` the command line's `values` in place of every value the sweep file gave it. A fixed
// value becomes an override and also fills the key's grid axis or zip column, which so keep their
// place in the product (a file of grid and explicit points keeps both); a list replaces the key's
// grid axis or becomes one. Explicit points lose their own value of the key.
void replace_file_values(SweepSpec& spec, const std::string& key,
                         const std::vector<std::string>& values) {
  const bool fixed = values.size() == 1;
  const auto is_key = [&](const auto& assignment) { return assignment.first == key; };
  const auto is_axis = [&](const Axis& axis) { return axis.key == key; };
  std::erase_if(spec.overrides, is_key);
  for (Assignment& point : spec.points) std::erase_if(point, is_key);
  bool in_grid = false;
  for (Axis& axis : spec.grid)
    if (axis.key == key) axis.values = values, in_grid = true;
  for (auto& group : spec.zips) {
    if (fixed) {
      for (Axis& axis : group)
        if (axis.key == key) axis.values.assign(axis.values.size(), values.front());
    } else {
      std::erase_if(group, is_axis);
    }
  }
  std::erase_if(spec.zips, [](const std::vector<Axis>& group) { return group.empty(); });
  if (fixed)
    spec.overrides.emplace_back(key, values.front());
  else if (!in_grid)
    spec.grid.push_back({key, values});
}

}  // namespace

void add_command_line_axes(SweepSpec& spec, const std::vector<std::string>& arguments) {
  for (const std::string& arg : arguments) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
      throw SweepError("command line: expected key=value or key=a,b,c, found '" + arg + "'");
    const std::string key = arg.substr(0, eq);
    const std::vector<std::string> values = split_values(arg.substr(eq + 1));
    for (const std::string& v : values)
      if (v.empty()) throw SweepError("command line: " + key + ": empty value in '" + arg + "'");
    replace_file_values(spec, key, values);
  }
}

std::string sweep_file_text(const SweepSpec& spec, const std::string& directory) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << spec.name;
  out << YAML::Key << "base" << YAML::Value
      << fs::path(spec.base_config)
             .lexically_relative(fs::absolute(directory).lexically_normal())
             .string();
  if (!spec.overrides.empty()) {
    out << YAML::Key << "overrides" << YAML::Value;
    emit_assignment(out, spec.overrides);
  }
  if (!spec.grid.empty()) {
    out << YAML::Key << "grid" << YAML::Value;
    emit_axes(out, spec.grid);
  }
  if (!spec.zips.empty()) {
    out << YAML::Key << "zip" << YAML::Value << YAML::BeginSeq;
    for (const auto& group : spec.zips) emit_axes(out, group);
    out << YAML::EndSeq;
  }
  if (!spec.points.empty()) {
    out << YAML::Key << "points" << YAML::Value << YAML::BeginSeq;
    for (const Assignment& p : spec.points) emit_assignment(out, p);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string("# Written by hitnet-sweep: rerun with `hitnet-sweep sweep.yaml --out .`\n") +
         out.c_str() + "\n";
}

}  // namespace hitnet
