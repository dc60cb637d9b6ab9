#include "core/config/load.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config/schema.hpp"
#include "core/data/checksum.hpp"

namespace hitnet {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path))
    throw ConfigError(what + ": cannot read config file '" + path.string() + "' (" +
                      (fs::is_directory(path) ? "a directory" : std::strerror(errno)) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& source, bool has_lines) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const std::string where = has_lines ? source + ":" + std::to_string(e.mark.line + 1) : source;
    throw ConfigError(where + ": invalid YAML: " + e.msg);
  }
}

// A `defaults` entry names a file relative to the including file; ".yaml" may be left out.
fs::path resolve_default(const fs::path& dir, const std::string& name) {
  fs::path path = (dir / name).lexically_normal();
  if (!fs::exists(path) && !path.has_extension()) path += ".yaml";
  return path;
}

// Applies one config document: the files listed in its `defaults` first, in order, then its
// own keys on top (Hydra's composition). `chain` holds the files being applied, for cycles.
void apply_document(Schema& schema, const std::string& text, const std::string& source,
                    std::vector<fs::path>& chain) {
  const Source src{source};
  const YAML::Node root = parse_yaml(text, source, true);
  if (root.IsMap())
    if (const YAML::Node defaults = root["defaults"]) {
      const std::string where = src.at(defaults) + ": defaults";
      if (!defaults.IsSequence() && !defaults.IsScalar())
        throw ConfigError(where + ": expected a list of config files, found a map");
      std::vector<std::string> names;
      if (defaults.IsScalar()) names.push_back(defaults.Scalar());
      for (const YAML::Node& n : defaults) {
        if (!n.IsScalar()) throw ConfigError(where + ": expected config file names in the list");
        names.push_back(n.Scalar());
      }
      for (const std::string& name : names) {
        const fs::path path = resolve_default(fs::path(source).parent_path(), name);
        const fs::path id = fs::weakly_canonical(path);
        if (std::find(chain.begin(), chain.end(), id) != chain.end()) {
          std::string cycle;
          for (const fs::path& p : chain) cycle += p.filename().string() + " -> ";
          throw ConfigError(where + ": '" + name + "' makes a cycle: " + cycle +
                            id.filename().string());
        }
        chain.push_back(id);
        apply_document(schema, read_text(path, where), path.string(), chain);
        chain.pop_back();
      }
    }
  schema.apply_map("", root, src, {"defaults"});
}

// "a.b.c=value": the value is YAML (a scalar, [a, list] or {a: map}).
void apply_override(Schema& schema, const std::string& text) {
  const Source src{"override '" + text + "'", false};
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(src.name + ": expected key=value, e.g. train.lr=0.5");
  schema.apply(text.substr(0, eq), parse_yaml(text.substr(eq + 1), src.name, false), src.name, src);
}

std::string dump(const Config& cfg, const std::function<bool(const std::string&)>& include) {
  Config copy = cfg;  // the schema binds mutable fields
  Schema schema;
  bind_config(schema, copy);
  YAML::Emitter out;
  schema.emit(out, include);
  return std::string(out.c_str()) + "\n";
}

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = read_text(path, path);
  // An empty file (or only comments, or `{}`) would silently start a full run of defaults: a
  // truncated or wrong file, never what was meant.
  if (const YAML::Node root = parse_yaml(text, path, true);
      root.IsNull() || (root.IsMap() && root.size() == 0))
    throw ConfigError(path +
                      ": the config file is empty (no keys); a config sets keys or starts "
                      "from others with `defaults: [file.yaml]`");
  return parse_config(text, path, overrides);
}

Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<std::string>& overrides) {
  Config cfg;
  Schema schema;
  bind_config(schema, cfg);
  std::vector<fs::path> chain = {fs::weakly_canonical(source)};
  apply_document(schema, yaml_text, source, chain);
  for (const std::string& o : overrides) apply_override(schema, o);
  if (const auto problems = schema.problems(source); !problems.empty()) {
    std::string msg;
    for (const std::string& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    throw ConfigError(msg);
  }
  return cfg;
}

std::string to_yaml(const Config& cfg) {
  return dump(cfg, [](const std::string&) { return true; });
}

std::string config_hash(const Config& cfg) {
  const std::string canonical =
      dump(cfg, [](const std::string& key) {
        // threads: results are deterministic per thread count but the same model and numbers up
        // to float rounding; leaving it out lets a sweep match a run made with other threads.
        return key != "name" && key != "threads" && key.rfind("log.", 0) != 0;
      });
  return sha256_hex(canonical).substr(0, 12);
}

std::string describe_keys() {
  Config defaults;
  Schema schema;
  bind_config(schema, defaults);
  return schema.describe();
}

}  // namespace hitnet
