#pragma once
// Quantizers by name. Adding a quantizer: one file in core/quant/ plus one line in registry.cpp.
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/quant/quantizer.hpp"

namespace hitnet {

// Registered method names, sorted (for did-you-mean suggestions and --help texts).
std::vector<std::string> quantizer_names();

// Empty if `spec` is valid for its method, else a message naming the offending sub-key
// (e.g. "bits: must be >= 1, got 0", "method: unknown 'tqt' (did you mean 'ttq'?)").
std::string validate_quant_spec(const QuantSpec& spec);

// Builds the quantizer for values of the given domain. Throws std::invalid_argument with the
// message of validate_quant_spec() when the spec is invalid.
QuantizerPtr make_quantizer(const QuantSpec& spec, Domain domain);

// QuantSpec::eval as an EvalMode; nullopt for anything but sample, expectation, deterministic.
std::optional<EvalMode> parse_eval_mode(const std::string& name);

}  // namespace hitnet
