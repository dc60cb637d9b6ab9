#include "core/quant/registry.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/quant/methods.hpp"
#include "core/util/did_you_mean.hpp"

namespace hitnet {
namespace {

struct Method {
  const char* name;
  QuantizerPtr (*make)(const QuantSpec&, Domain);
  int min_bits, max_bits;  // the range of `bits` the method accepts (0, 0: it ignores bits)
};

// One line per quantizer. The bit limits keep every level representable in a float
// (pow2: 2^-126 is the smallest normal) and the level tables small (alternating: 2^k codes).
constexpr Method kMethods[] = {
    {"alternating", make_alternating_quantizer, 1, 8},
    {"balanced", make_balanced_quantizer, 1, 16},
    {"binary", make_binary_quantizer, 0, 0},
    {"btq", make_btq_quantizer, 0, 0},
    {"fp", make_fp_quantizer, 0, 0},
    {"pow2", make_pow2_quantizer, 2, 7},
    {"ttq", make_ttq_quantizer, 0, 0},
    {"uniform", make_uniform_quantizer, 1, 16},
};

// Every method rejects bits outside this, even those that ignore it: bits: 0 is always a typo.
constexpr int kMinBits = 1, kMaxBits = 16;

const Method* find_method(const std::string& name) {
  for (const Method& m : kMethods)
    if (name == m.name) return &m;
  return nullptr;
}

std::string unknown_method_message(const std::string& name) {
  const std::string best = did_you_mean(name, quantizer_names());
  std::ostringstream msg;
  msg << "method: unknown '" << name << "'";
  if (!best.empty()) {
    msg << " (did you mean '" << best << "'?)";
  } else {
    msg << " (expected one of";
    for (const Method& m : kMethods) msg << ' ' << m.name;
    msg << ')';
  }
  return msg.str();
}

}  // namespace

std::vector<std::string> quantizer_names() {
  std::vector<std::string> names;
  for (const Method& m : kMethods) names.emplace_back(m.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<EvalMode> parse_eval_mode(const std::string& name) {
  if (name == "sample") return EvalMode::kSample;
  if (name == "expectation") return EvalMode::kExpectation;
  if (name == "deterministic") return EvalMode::kDeterministic;
  return std::nullopt;
}

std::string validate_quant_spec(const QuantSpec& spec) {
  const Method* method = find_method(spec.method);
  if (!method) return unknown_method_message(spec.method);
  const bool reads_bits = method->max_bits > 0;
  const int lo = reads_bits ? method->min_bits : kMinBits;
  const int hi = reads_bits ? method->max_bits : kMaxBits;
  if (spec.bits < lo || spec.bits > hi) {
    std::ostringstream msg;
    msg << "bits: must be between " << lo << " and " << hi;
    if (reads_bits && (lo != kMinBits || hi != kMaxBits)) msg << " for " << method->name;
    msg << ", got " << spec.bits;
    return msg.str();
  }
  if (!(spec.threshold > 0.0) || !std::isfinite(spec.threshold)) {
    std::ostringstream msg;
    msg << "threshold: must be > 0, got " << spec.threshold;
    return msg.str();
  }
  if (!parse_eval_mode(spec.eval))
    return "eval: must be sample, expectation or deterministic, got '" + spec.eval + "'";
  return "";
}

QuantizerPtr make_quantizer(const QuantSpec& spec, Domain domain) {
  if (std::string error = validate_quant_spec(spec); !error.empty())
    throw std::invalid_argument(error);
  return find_method(spec.method)->make(spec, domain);
}

}  // namespace hitnet
