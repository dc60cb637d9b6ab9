#include "core/config/schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/config/load.hpp"
#include "core/quant/registry.hpp"
#include "core/util/did_you_mean.hpp"

namespace hitnet {
namespace {

// ---- numbers as text ---------------------------------------------------------------------

// As shortest(), but always float syntax ("20.0", "1.0e-08") so that any YAML reader
// (PyYAML too) reads a float back.
std::string yaml_double(double v) {
  std::string s = shortest(v);
  if (!std::isfinite(v) || s.find('.') != std::string::npos) return s;
  const std::size_t e = s.find('e');
  return e == std::string::npos ? s + ".0" : s.insert(e, ".0");
}

// ---- reading YAML values: "" or "expected ..., found ..." --------------------------------

std::string found(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "'" + n.Scalar() + "'";
}

template <class T>
std::string read_scalar(const YAML::Node& n, T& out, const char* expected) {
  T v{};
  if (n.IsDefined() && n.IsScalar() && YAML::convert<T>::decode(n, v)) {
    out = v;
    return "";
  }
  return std::string("expected ") + expected + ", found " + found(n);
}

std::string read(const YAML::Node& n, int& out) {
  return read_scalar(n, out, "an integer");
}
std::string read(const YAML::Node& n, std::uint64_t& out) {
  return read_scalar(n, out, "an integer >= 0");
}
std::string read(const YAML::Node& n, bool& out) {
  return read_scalar(n, out, "true or false");
}
std::string read(const YAML::Node& n, std::string& out) {
  // YAML reads `key=` (and `key:` with no value) as null, not as an empty string.
  if (n.IsDefined() && n.IsNull())
    return "expected a string, found nothing (an empty string is '')";
  return read_scalar(n, out, "a string");
}
std::string read(const YAML::Node& n, double& out) {
  double v = 0;
  if (std::string err = read_scalar(n, v, "a number"); !err.empty()) return err;
  if (!std::isfinite(v)) return "expected a finite number, found " + found(n);
  out = v;
  return "";
}
std::string read(const YAML::Node& n, std::vector<int>& out) {
  if (!n.IsSequence()) return "expected a list of integers (e.g. [1, 5]), found " + found(n);
  std::vector<int> v(n.size());
  for (std::size_t i = 0; i < n.size(); ++i)
    if (std::string err = read(n[i], v[i]); !err.empty())
      return err + " at position " + std::to_string(i + 1) + " of the list";
  out = std::move(v);
  return "";
}

// ---- writing YAML values -------------------------------------------------------------------

void write(YAML::Emitter& out, int v) {
  out << v;
}
void write(YAML::Emitter& out, std::uint64_t v) {
  out << v;
}
void write(YAML::Emitter& out, bool v) {
  out << v;
}
void write(YAML::Emitter& out, double v) {
  out << yaml_double(v);
}
void write(YAML::Emitter& out, const std::string& v) {
  out << v;
}
void write(YAML::Emitter& out, const std::vector<int>& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (int x : v) out << x;
  out << YAML::EndSeq;
}

template <class T>
std::string to_text(const T& v) {
  YAML::Emitter out;
  write(out, v);
  return out.c_str();
}

// ---- a QuantSpec: `method` plus the options its quantizer declares (core/quant/registry.hpp) --

// Every sub-key a spec may have: the method and every option of every registered quantizer
// (which ones a method accepts is checked by validate_quant_spec).
std::vector<std::string> spec_keys() {
  std::vector<std::string> keys = {"method"};
  for (const std::string& name : quant_option_names()) keys.push_back(name);
  return keys;
}

// Reads an option's YAML value as the type of its declared default.
std::string read(const YAML::Node& n, const QuantOption& option, OptionValue& out) {
  return std::visit(
      [&](auto v) {
        std::string err = read(n, v);
        if (err.empty()) out = v;
        return err;
      },
      option.default_value);
}

// A new method drops the options of the old one; the same method keeps them (so a derived
// config or an override can change one option of an inherited quantizer).
void set_method(QuantSpec& spec, const std::string& method) {
  if (method != spec.method) spec.options.clear();
  spec.method = method;
}

// The canonical form: the method and every one of its options, set or default, in the order
// the quantizer declares them, so config.yaml says everything the quantizer was built from (the
// analysis reads it). Options of other methods never appear, so adding a quantizer changes no
// existing config's hash; adding an option to one changes the hashes of configs that use it.
void write(YAML::Emitter& out, const QuantSpec& s) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "method" << YAML::Value << s.method;
  for (const auto& [name, value] : resolved_options(s)) {
    out << YAML::Key << name << YAML::Value;
    std::visit([&](const auto& v) { write(out, v); }, value);
  }
  out << YAML::EndMap;
}

const std::string kSpecType =
    "quantizer: a method name, or a map of `method` and that method's options";

// ---- small helpers -------------------------------------------------------------------------

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  return parts;
}

std::string list_text(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// Calls f(name, key_node, value) for each entry of a YAML map, rejecting non-scalar and
// repeated keys (yaml-cpp keeps both copies of a repeated key; the second would silently win).
template <class F>
void for_each_entry(const YAML::Node& map, const std::string& prefix, const Source& src, F&& f) {
  std::map<std::string, std::string> seen;  // name -> where
  for (const auto& kv : map) {
    const std::string where = src.at(kv.first);
    if (!kv.first.IsScalar())
      throw ConfigError(where + ": " + (prefix.empty() ? "top level" : prefix) +
                        ": expected key names, found " + found(kv.first) + " as a key");
    const std::string name = kv.first.Scalar();
    if (auto [it, fresh] = seen.emplace(name, where); !fresh)
      throw ConfigError(where + ": " + join(prefix, name) + ": duplicate key (first at " +
                        it->second + ")");
    f(name, where, kv.second);
  }
}

}  // namespace

// ---- Source ---------------------------------------------------------------------------------

std::string Source::at(const YAML::Node& node) const {
  if (!has_lines) return name;
  return name + ":" + std::to_string(node.Mark().line + 1);
}

// ---- binding ---------------------------------------------------------------------------------

void Schema::add(Field field) {
  // Keys of one section must be bound together: emit() writes each section once.
  if (!fields_.empty()) {
    const auto prev = split(fields_.back().key), parts = split(field.key);
    std::size_t common = 0;
    while (common < prev.size() - 1 && common < parts.size() - 1 && prev[common] == parts[common])
      ++common;
    std::string section;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      section = join(section, parts[i]);
      if (i >= common && is_section(section))
        throw std::logic_error("config schema: keys of section '" + section +
                               "' are not bound together (" + field.key + ")");
    }
  }
  if (find(field.key)) throw std::logic_error("config schema: '" + field.key + "' bound twice");
  fields_.push_back(std::move(field));
}

template <class T>
static std::string range_problem(const Range& range, T v) {
  if (range.contains(static_cast<double>(v))) return "";
  return "must be " + range.text() + ", got " + to_text(v);
}

static std::string with_range(const std::string& type, const Range& range) {
  return range.text().empty() ? type : type + " " + range.text();
}

template <class T>
void Schema::bind_value(const std::string& key, T& field, const std::string& type,
                        const std::string& doc, std::function<std::string()> problem) {
  if (!problem) problem = [] { return std::string(); };
  add({key,
       doc,
       type,
       to_text(field),
       {},
       [&field](const std::string&, const YAML::Node& n) { return read(n, field); },
       [&field](YAML::Emitter& out) { write(out, field); },
       std::move(problem)});
}

void Schema::bind(const std::string& key, int& field, Range range, const std::string& doc) {
  bind_value(key, field, with_range("integer", range), doc,
             [&field, range] { return range_problem(range, field); });
}

void Schema::bind(const std::string& key, std::uint64_t& field, const std::string& doc) {
  bind_value(key, field, "integer >= 0", doc);
}

void Schema::bind(const std::string& key, double& field, Range range, const std::string& doc) {
  bind_value(key, field, with_range("number", range), doc,
             [&field, range] { return range_problem(range, field); });
}

void Schema::bind(const std::string& key, bool& field, const std::string& doc) {
  bind_value(key, field, "true or false", doc);
}

void Schema::bind(const std::string& key, std::string& field, Choices choices,
                  const std::string& doc) {
  const std::string type = choices.empty() ? "string" : "one of " + list_text(choices);
  bind_value(key, field, type, doc, [&field, choices] {
    if (choices.empty() || std::count(choices.begin(), choices.end(), field)) return std::string();
    std::string msg = "must be one of " + list_text(choices) + "; got '" + field + "'";
    if (std::string s = did_you_mean(field, choices); !s.empty())
      msg += " (did you mean '" + s + "'?)";
    return msg;
  });
}

void Schema::bind(const std::string& key, std::vector<int>& field, Range each,
                  const std::string& doc) {
  bind_value(key, field, with_range("list of integers", each), doc, [&field, each] {
    for (int v : field)
      if (std::string err = range_problem(each, v); !err.empty()) return "each " + err;
    return std::string();
  });
}

// Optional numbers are not plain values: null unsets them.
void Schema::bind(const std::string& key, std::optional<double>& field, Range range,
                  const std::string& doc) {
  add({key,
       doc,
       with_range("number", range) + " or null (unset)",
       field ? to_text(*field) : "null",
       {},
       [&field](const std::string&, const YAML::Node& n) {
         if (n.IsNull()) return field.reset(), std::string();
         double v = 0;
         std::string err = read(n, v);
         if (err.empty()) field = v;
         return err;
       },
       [&field](YAML::Emitter& out) {
         if (field)
           write(out, *field);
         else
           out << YAML::Null;
       },
       [&field, range] { return field ? range_problem(range, *field) : std::string(); }});
}

void Schema::bind(const std::string& key, QuantSpec& field, const std::string& doc) {
  bind_spec(key, {[&field] { return &field; }, [&field]() -> QuantSpec& { return field; }, {}},
            doc);
}

void Schema::bind(const std::string& key, std::optional<QuantSpec>& field, const std::string& doc) {
  bind_spec(key,
            {[&field] { return field ? &*field : nullptr; },
             [&field]() -> QuantSpec& { return field ? *field : field.emplace(); },
             [&field] { field.reset(); }},
            doc);
}

void Schema::bind(const std::string& key, std::map<std::string, QuantSpec>& specs,
                  const std::string& name, const std::string& doc) {
  bind_spec(key,
            {[&specs, name]() -> const QuantSpec* {
               auto it = specs.find(name);
               return it == specs.end() ? nullptr : &it->second;
             },
             [&specs, name]() -> QuantSpec& { return specs[name]; },
             [&specs, name] { specs.erase(name); }},
            doc);
}

void Schema::bind_spec(const std::string& key, SpecSlot slot, const std::string& doc) {
  const QuantSpec* initial = slot.find();
  Field field{key,
              doc,
              slot.unset ? kSpecType + "; or null (unset)" : kSpecType,
              initial ? initial->method : "null",
              spec_keys(),
              nullptr,
              nullptr,
              nullptr};
  field.load = [slot](const std::string& sub_key, const YAML::Node& n) -> std::string {
    if (sub_key == "method") {
      std::string method;
      std::string err = read(n, method);
      if (err.empty()) set_method(slot.make(), method);
      return err;
    }
    if (!sub_key.empty()) {  // one option of the spec
      OptionValue value;
      std::string err = read(n, *find_quant_option(sub_key), value);
      if (err.empty()) slot.make().options[sub_key] = value;
      return err;
    }
    if (n.IsNull() && slot.unset) return slot.unset(), "";
    if (n.IsMap()) return slot.make(), "";  // the schema sets its keys one by one
    if (n.IsScalar()) return set_method(slot.make(), n.Scalar()), "";  // `ttq`: {method: ttq}
    return "expected a " + kSpecType + ", found " + found(n);
  };
  field.emit = [slot](YAML::Emitter& out) {
    if (const QuantSpec* s = slot.find())
      write(out, *s);
    else
      out << YAML::Null;
  };
  field.check = [slot] {
    const QuantSpec* s = slot.find();
    return s ? validate_quant_spec(*s) : std::string();
  };
  add(std::move(field));
}

void Schema::rule(const std::string& key, std::function<std::string()> check) {
  rules_.emplace_back(key, std::move(check));
}

// ---- loading ---------------------------------------------------------------------------------

Schema::Field* Schema::find(const std::string& key) {
  for (Field& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

bool Schema::is_section(const std::string& prefix) const {
  if (prefix.empty()) return true;
  return std::any_of(fields_.begin(), fields_.end(),
                     [&](const Field& f) { return f.key.rfind(prefix + ".", 0) == 0; });
}

void Schema::unknown_key(const std::string& key, const std::string& where) const {
  std::string msg = where + ": " + key + ": unknown key";
  if (std::string s = did_you_mean(key, keys()); !s.empty()) msg += " (did you mean '" + s + "'?)";
  throw ConfigError(msg);
}

void Schema::apply_map(const std::string& prefix, const YAML::Node& node, const Source& src,
                       const std::set<std::string>& skip) {
  if (node.IsNull()) return;  // "model:" with nothing under it
  if (!node.IsMap())
    throw ConfigError(src.at(node) + ": " + (prefix.empty() ? "top level" : prefix) +
                      ": expected a map of keys, found " + found(node));
  for_each_entry(node, prefix, src,
                 [&](const std::string& name, const std::string& where, const YAML::Node& value) {
                   if (prefix.empty() && skip.count(name)) return;
                   apply(join(prefix, name), value, where, src);
                 });
}

void Schema::apply(const std::string& key, const YAML::Node& value, const std::string& where,
                   const Source& src) {
  if (Field* f = find(key)) return set(*f, "", value, where, src);
  if (const std::size_t dot = key.rfind('.'); dot != std::string::npos)
    if (Field* f = find(key.substr(0, dot))) {
      const std::string sub = key.substr(dot + 1);
      if (std::count(f->sub_keys.begin(), f->sub_keys.end(), sub))
        return set(*f, sub, value, where, src);
    }
  if (is_section(key)) return apply_map(key, value, src);
  unknown_key(key, where);
}

void Schema::set(Field& field, const std::string& sub_key, const YAML::Node& value,
                 const std::string& where, const Source& src) {
  const std::string key = sub_key.empty() ? field.key : join(field.key, sub_key);
  if (std::string err = field.load(sub_key, value); !err.empty())
    throw ConfigError(where + ": " + key + ": " + err);
  set_at_[key] = where;
  if (field.sub_keys.empty() || !sub_key.empty()) return;
  if (value.IsScalar()) set_at_[key + ".method"] = where;
  if (!value.IsMap()) return;
  // `method` first: a new method drops the old one's options, wherever it stands in the map.
  for (const bool method_pass : {true, false})
    for_each_entry(value, key, src,
                   [&](const std::string& name, const std::string& at, const YAML::Node& v) {
                     if ((name == "method") != method_pass) return;
                     if (!std::count(field.sub_keys.begin(), field.sub_keys.end(), name))
                       unknown_key(join(key, name), at);
                     set(field, name, v, at, src);
                   });
}

// ---- checking, writing, describing ---------------------------------------------------------

std::vector<std::string> Schema::problems(const std::string& unset_where) const {
  auto where = [&](const std::string& key, const std::string& fallback) {
    if (auto it = set_at_.find(key); it != set_at_.end()) return it->second;
    if (auto it = set_at_.find(fallback); it != set_at_.end()) return it->second;
    return unset_where;
  };
  std::vector<std::string> out;
  for (const Field& f : fields_) {
    std::string msg = f.check();
    if (msg.empty()) continue;
    std::string key = f.key;
    if (const std::size_t colon = msg.find(": "); !f.sub_keys.empty() && colon != std::string::npos)
      if (std::count(f.sub_keys.begin(), f.sub_keys.end(), msg.substr(0, colon)))
        key = join(f.key, msg.substr(0, colon)), msg = msg.substr(colon + 2);
    out.push_back(where(key, f.key) + ": " + key + ": " + msg);
  }
  for (const auto& [key, check] : rules_)
    if (std::string msg = check(); !msg.empty())
      out.push_back(where(key, key) + ": " + key + ": " + msg);
  return out;
}

void Schema::emit(YAML::Emitter& out,
                  const std::function<bool(const std::string&)>& include) const {
  std::vector<std::string> open;  // the sections whose maps are open, outermost first
  out << YAML::BeginMap;
  for (const Field& f : fields_) {
    if (!include(f.key)) continue;
    const std::vector<std::string> parts = split(f.key);
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common])
      ++common;
    for (; open.size() > common; open.pop_back()) out << YAML::EndMap;
    for (; open.size() + 1 < parts.size(); open.push_back(parts[open.size()]))
      out << YAML::Key << parts[open.size()] << YAML::Value << YAML::BeginMap;
    out << YAML::Key << parts.back() << YAML::Value;
    f.emit(out);
  }
  for (; !open.empty(); open.pop_back()) out << YAML::EndMap;
  out << YAML::EndMap;
}

std::string Schema::describe() const {
  std::ostringstream out;
  for (const Field& f : fields_)
    out << f.key << " = " << f.default_text << "\n    " << f.doc << "  [" << f.type << "]\n";
  out << "\nA quantizer is a method name (`ttq`) or a map of `method` and that method's options\n"
         "(`{method: ttq, threshold: 0.5}`). Methods and their options, with defaults:\n"
      << describe_quantizers();
  return out.str();
}

std::vector<std::string> Schema::keys() const {
  std::vector<std::string> keys;
  for (const Field& f : fields_) {
    keys.push_back(f.key);
    for (const std::string& sub : f.sub_keys) keys.push_back(join(f.key, sub));
  }
  return keys;
}

}  // namespace hitnet
