#pragma once
// Quantizers by name. A quantizer is one file in core/quant/ that defines its class and
// registers a QuantizerInfo (name, doc line, options with defaults and ranges, factory) with
// one line at its end:
//
//   const bool kRegistered = register_quantizer({"ttq", "threshold ternary ...", {options}, make});
//
// The config learns every method and option from here: `quant.*` keys accept them, --list-keys
// lists them, did-you-mean suggests them. Nothing else needs an edit.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/quant/quant_spec.hpp"
#include "core/quant/quantizer.hpp"
#include "core/util/range.hpp"

namespace hitnet {

// One option of a quantizer. The default's type is the option's type; an option name used by
// several quantizers must have the same type in all of them (checked at registration).
struct QuantOption {
  std::string name;
  OptionValue default_value;
  std::string doc;
  Range range = {};                       // integers and numbers
  std::vector<std::string> choices = {};  // strings (empty: any)
};

// Options shared by most quantizers, declared once.
QuantOption clip_grad_option();  // STE: zero the gradient outside the scheme's range
QuantOption eval_option();       // stochastic quantizers at evaluation

// A quantizer's options as its factory sees them: every option of its method, set or default.
class QuantOptions {
 public:
  explicit QuantOptions(std::map<std::string, OptionValue> values) : values_(std::move(values)) {}
  int integer(const std::string& name) const { return std::get<int>(at(name)); }
  double number(const std::string& name) const { return std::get<double>(at(name)); }
  bool flag(const std::string& name) const { return std::get<bool>(at(name)); }
  const std::string& text(const std::string& name) const { return std::get<std::string>(at(name)); }

 private:
  const OptionValue& at(const std::string& name) const;
  std::map<std::string, OptionValue> values_;
};

struct QuantizerInfo {
  std::string name;  // `method: <name>`
  std::string doc;   // one line: what it computes, after whom
  std::vector<QuantOption> options;
  std::function<QuantizerPtr(const QuantOptions&, Domain)> make;
};

// Adds a quantizer; returns true so that a file can register from a namespace-scope constant.
// Throws std::logic_error for a repeated name or an option whose type clashes with another
// quantizer's option of the same name.
bool register_quantizer(QuantizerInfo info);

// Registered method names, sorted (for did-you-mean suggestions and --help texts).
std::vector<std::string> quantizer_names();
const QuantizerInfo* find_quantizer(const std::string& name);  // null when unknown

// Every option name of every quantizer, sorted, with its declaration (the first one registered);
// the config reads a YAML value by this declaration's type.
std::vector<std::string> quant_option_names();
const QuantOption* find_quant_option(const std::string& name);

// Empty if `spec` is valid for its method, else a message naming the offending sub-key
// (e.g. "bits: must be in [1, 16], got 0", "method: unknown 'tqt' (did you mean 'ttq'?)",
// "threshold: uniform has no option 'threshold' (its options: bits, clip_grad)").
std::string validate_quant_spec(const QuantSpec& spec);

// Every option of the spec's method, explicit or default, in declaration order (the canonical
// form written to config.yaml and hashed). The spec must be valid.
std::vector<std::pair<std::string, OptionValue>> resolved_options(const QuantSpec& spec);

// The options a spec's quantizer is built with. The spec must be valid.
QuantOptions resolve(const QuantSpec& spec);

// Builds the quantizer for values of the given domain. Throws std::invalid_argument with the
// message of validate_quant_spec() when the spec is invalid.
QuantizerPtr make_quantizer(const QuantSpec& spec, Domain domain);

// A spec's `eval` option as an EvalMode; nullopt for anything but sample, expectation,
// deterministic.
std::optional<EvalMode> parse_eval_mode(const std::string& name);

// Every method with its doc line and options, for --list-keys and docs/quantizers.md.
std::string describe_quantizers();

}  // namespace hitnet
