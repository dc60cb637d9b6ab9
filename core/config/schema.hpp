#pragma once
// The schema: every dotted config key bound once to its field of a Config, with its type,
// allowed values and a one-line doc. That one binding loads YAML into the struct (type checks,
// unknown keys with suggestions), validates the final values, writes canonical YAML and
// lists the keys for --help. See bind_config.cpp for the keys themselves.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/config.hpp"
#include "core/util/range.hpp"

namespace hitnet {

// Allowed strings (empty: any string).
using Choices = std::vector<std::string>;

// Where YAML comes from: a file (messages give its line) or one command-line override.
struct Source {
  std::string name;       // "configs/a.yaml" or "override 'model.hidden=3'"
  bool has_lines = true;  // false for overrides: their YAML is the value text alone
  std::string at(const YAML::Node& node) const;  // "configs/a.yaml:12" or the override
};

class Schema {
 public:
  void bind(const std::string& key, int& field, Range range, const std::string& doc);
  void bind(const std::string& key, std::uint64_t& field, const std::string& doc);
  void bind(const std::string& key, double& field, Range range, const std::string& doc);
  void bind(const std::string& key, std::optional<double>& field, Range range,
            const std::string& doc);
  void bind(const std::string& key, bool& field, const std::string& doc);
  void bind(const std::string& key, std::string& field, Choices choices, const std::string& doc);
  void bind(const std::string& key, std::vector<int>& field, Range each, const std::string& doc);
  void bind(const std::string& key, QuantSpec& field, const std::string& doc);
  void bind(const std::string& key, std::optional<QuantSpec>& field, const std::string& doc);
  // One optional entry of a map of QuantSpecs (quant.gates.<name>): absent when not set.
  void bind(const std::string& key, std::map<std::string, QuantSpec>& specs,
            const std::string& name, const std::string& doc);

  // A check across fields, reported at `key`: returns "" when fine, else what is wrong.
  void rule(const std::string& key, std::function<std::string()> check);

  // Sets the keys of the YAML map `node` under `prefix` ("" for a whole file), skipping the
  // top-level names in `skip`. Throws ConfigError for unknown keys and wrongly typed values.
  void apply_map(const std::string& prefix, const YAML::Node& node, const Source& src,
                 const std::set<std::string>& skip = {});
  // Sets one key: a field, a QuantSpec's sub-key ("quant.weight_quant.bits") or a section
  // given as a map ("model").
  void apply(const std::string& key, const YAML::Node& value, const std::string& where,
             const Source& src);

  // Every problem of the current values, "<where>: <key>: <what is wrong>", in key order;
  // `where` is the file line or override that last set the key, else `unset_where`.
  std::vector<std::string> problems(const std::string& unset_where) const;

  // The values as nested YAML maps in binding order; `include` picks the keys.
  void emit(YAML::Emitter& out, const std::function<bool(const std::string&)>& include) const;

  // One line per key: name, type and allowed values, default (the bound values now), doc.
  std::string describe() const;

  // Every dotted key, QuantSpec sub-keys included (the candidates for did-you-mean).
  std::vector<std::string> keys() const;

 private:
  struct Field {
    std::string key, doc;
    std::string type;                   // for describe(): "integer >= 1", "one of lstm, gru", ...
    std::string default_text;           // the value when bound
    std::vector<std::string> sub_keys;  // a QuantSpec's keys; empty for plain values
    // Sets the value (or one sub-key) from YAML; returns "" or "expected ..., found ...".
    std::function<std::string(const std::string& sub_key, const YAML::Node&)> load;
    std::function<void(YAML::Emitter&)> emit;
    // "" when the value is allowed, else what is wrong ("bits: ..." for a QuantSpec's sub-key).
    std::function<std::string()> check;
  };
  struct SpecSlot {
    std::function<const QuantSpec*()> find;  // nullptr while unset
    std::function<QuantSpec&()> make;        // created with QuantSpec's defaults when unset
    std::function<void()> unset;             // empty for specs that always exist
  };

  void add(Field field);
  // A value read and written by the overloads in schema.cpp; `problem` ("" when fine) checks it.
  template <class T>
  void bind_value(const std::string& key, T& field, const std::string& type, const std::string& doc,
                  std::function<std::string()> problem = {});
  void bind_spec(const std::string& key, SpecSlot slot, const std::string& doc);
  void set(Field& field, const std::string& sub_key, const YAML::Node& value,
           const std::string& where, const Source& src);
  Field* find(const std::string& key);
  bool is_section(const std::string& prefix) const;
  [[noreturn]] void unknown_key(const std::string& key, const std::string& where) const;

  std::vector<Field> fields_;
  std::vector<std::pair<std::string, std::function<std::string()>>> rules_;
  std::map<std::string, std::string> set_at_;  // dotted key -> where it was last set
};

// Binds every key of `cfg` (defined in bind_config.cpp, the one list of config keys).
void bind_config(Schema& schema, Config& cfg);

}  // namespace hitnet
