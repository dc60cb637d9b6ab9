#include "core/quant/registry.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/util/did_you_mean.hpp"

namespace hitnet {
namespace {

// Function-local, so registrations from other files' static initialisers find it constructed.
std::map<std::string, QuantizerInfo>& registry() {
  static std::map<std::string, QuantizerInfo> quantizers;
  return quantizers;
}

std::map<std::string, QuantOption>& options_by_name() {
  static std::map<std::string, QuantOption> options;
  return options;
}

const char* type_name(const OptionValue& v) {
  return std::visit(
      [](const auto& x) -> const char* {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return "true or false";
        if constexpr (std::is_same_v<T, int>) return "an integer";
        if constexpr (std::is_same_v<T, double>) return "a number";
        return "a string";
      },
      v);
}

std::string value_text(const OptionValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        if constexpr (std::is_same_v<T, int>) return std::to_string(x);
        if constexpr (std::is_same_v<T, double>) return shortest(x);
        if constexpr (std::is_same_v<T, std::string>) return x;
      },
      v);
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

std::vector<std::string> option_names(const QuantizerInfo& q) {
  std::vector<std::string> names;
  for (const auto& o : q.options) names.push_back(o.name);
  return names;
}

// "" when `value` is allowed for `option`, else what is wrong.
std::string option_problem(const QuantOption& option, const OptionValue& value) {
  if (value.index() != option.default_value.index())
    return std::string("expected ") + type_name(option.default_value) + ", got " +
           value_text(value);
  if (const int* i = std::get_if<int>(&value); i && !option.range.contains(*i))
    return "must be " + option.range.text() + ", got " + std::to_string(*i);
  if (const double* d = std::get_if<double>(&value); d && !option.range.contains(*d))
    return "must be " + option.range.text() + ", got " + shortest(*d);
  if (const auto* s = std::get_if<std::string>(&value);
      s && !option.choices.empty() &&
      std::find(option.choices.begin(), option.choices.end(), *s) == option.choices.end())
    return "must be one of " + join(option.choices) + ", got '" + *s + "'";
  return "";
}

std::string unknown_method_message(const std::string& name) {
  const std::string best = did_you_mean(name, quantizer_names());
  std::ostringstream msg;
  msg << "method: unknown '" << name << "'";
  if (!best.empty())
    msg << " (did you mean '" << best << "'?)";
  else
    msg << " (expected one of " << join(quantizer_names()) << ')';
  return msg.str();
}

}  // namespace

QuantOption clip_grad_option() {
  return {"clip_grad", true, "straight-through gradient zeroed outside the scheme's range"};
}

QuantOption eval_option() {
  return {"eval",
          std::string("deterministic"),
          "stochastic methods at evaluation: deterministic (nearest level), sample (draw as in "
          "training; quant.eval_samples passes) or expectation (E[Q(x)], a diagnostic)",
          {},
          {"deterministic", "sample", "expectation"}};
}

const OptionValue& QuantOptions::at(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end())
    throw std::logic_error("quantizer option '" + name + "' is not declared by its quantizer");
  return it->second;
}

bool register_quantizer(QuantizerInfo info) {
  if (registry().count(info.name))
    throw std::logic_error("quantizer '" + info.name + "' registered twice");
  for (const QuantOption& o : info.options) {
    const auto [it, fresh] = options_by_name().emplace(o.name, o);
    if (!fresh && it->second.default_value.index() != o.default_value.index())
      throw std::logic_error("quantizer '" + info.name + "': option '" + o.name + "' is " +
                             type_name(o.default_value) + ", elsewhere " +
                             type_name(it->second.default_value));
  }
  const std::string name = info.name;
  registry().emplace(name, std::move(info));
  return true;
}

std::vector<std::string> quantizer_names() {
  std::vector<std::string> names;
  for (const auto& [name, info] : registry()) names.push_back(name);
  return names;  // std::map: sorted
}

const QuantizerInfo* find_quantizer(const std::string& name) {
  const auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> quant_option_names() {
  std::vector<std::string> names;
  for (const auto& [name, option] : options_by_name()) names.push_back(name);
  return names;
}

const QuantOption* find_quant_option(const std::string& name) {
  const auto it = options_by_name().find(name);
  return it == options_by_name().end() ? nullptr : &it->second;
}

std::optional<EvalMode> parse_eval_mode(const std::string& name) {
  if (name == "sample") return EvalMode::kSample;
  if (name == "expectation") return EvalMode::kExpectation;
  if (name == "deterministic") return EvalMode::kDeterministic;
  return std::nullopt;
}

std::string validate_quant_spec(const QuantSpec& spec) {
  const QuantizerInfo* q = find_quantizer(spec.method);
  if (!q) return unknown_method_message(spec.method);
  for (const auto& option : spec.options) {
    // Named, not a structured binding: clang 14 (the sanitizer build) cannot capture those.
    const std::string& name = option.first;
    const OptionValue& value = option.second;
    const auto declared = std::find_if(q->options.begin(), q->options.end(),
                                       [&](const QuantOption& o) { return o.name == name; });
    if (declared == q->options.end()) {
      const auto names = option_names(*q);
      return name + ": " + q->name + " has no option '" + name + "'" +
             (names.empty() ? " (it has no options)" : " (its options: " + join(names) + ")");
    }
    if (std::string problem = option_problem(*declared, value); !problem.empty())
      return name + ": " + problem;
  }
  return "";
}

std::vector<std::pair<std::string, OptionValue>> resolved_options(const QuantSpec& spec) {
  std::vector<std::pair<std::string, OptionValue>> out;
  if (const QuantizerInfo* q = find_quantizer(spec.method))
    for (const QuantOption& o : q->options) {
      const auto it = spec.options.find(o.name);
      out.emplace_back(o.name, it == spec.options.end() ? o.default_value : it->second);
    }
  return out;
}

QuantOptions resolve(const QuantSpec& spec) {
  const auto resolved = resolved_options(spec);
  return QuantOptions({resolved.begin(), resolved.end()});
}

QuantizerPtr make_quantizer(const QuantSpec& spec, Domain domain) {
  if (std::string error = validate_quant_spec(spec); !error.empty())
    throw std::invalid_argument(error);
  return find_quantizer(spec.method)->make(resolve(spec), domain);
}

bool operator==(const QuantSpec& a, const QuantSpec& b) {
  if (a.method != b.method) return false;
  // Options the method does not declare (an invalid spec) compare as given.
  auto undeclared = [](const QuantSpec& s) {
    std::map<std::string, OptionValue> rest = s.options;
    for (const auto& [name, value] : resolved_options(s)) rest.erase(name);
    return rest;
  };
  return resolved_options(a) == resolved_options(b) && undeclared(a) == undeclared(b);
}

std::string describe_quantizers() {
  std::ostringstream out;
  for (const auto& [name, q] : registry()) {
    out << name << ": " << q.doc << "\n";
    for (const QuantOption& o : q.options) {
      out << "    " << o.name << " = " << value_text(o.default_value) << "  (" << o.doc;
      if (!o.range.text().empty()) out << "; " << o.range.text();
      if (!o.choices.empty()) out << "; one of " << join(o.choices);
      out << ")\n";
    }
  }
  return out.str();
}

}  // namespace hitnet
