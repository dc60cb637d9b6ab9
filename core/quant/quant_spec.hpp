#pragma once
// What a config says about one quantizer: its method (a registry name) and the options set for
// it. The options a method accepts, their types, defaults and ranges are declared by the
// quantizer itself (registry.hpp), so this struct never changes when a quantizer is added.
#include <map>
#include <string>
#include <variant>

namespace hitnet {

// An option's value; its type is the type of the option's declared default.
using OptionValue = std::variant<bool, int, double, std::string>;

struct QuantSpec {
  std::string method = "fp";
  // Options given explicitly; the method's declared defaults stand for the rest.
  std::map<std::string, OptionValue> options;
};

// Equal when they quantize alike: the same method and the same value for every option, given
// or defaulted ({method: ttq} == {method: ttq, threshold: 0.7}). Defined in registry.cpp.
bool operator==(const QuantSpec& a, const QuantSpec& b);

// A spec from a method and options, e.g. spec("uniform", {{"bits", 3}}) (tests and code).
inline QuantSpec quant_spec(std::string method, std::map<std::string, OptionValue> options = {}) {
  return {std::move(method), std::move(options)};
}

}  // namespace hitnet
