#pragma once
// One interface for every quantizer. A quantizer maps a tensor to its quantized values and
// writes the straight-through estimator's gradient mask: dL/dx = dL/dq * mask.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/quant/pass.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

// What the values being quantized are, so that activation quantizers know their range.
enum class Domain {
  kWeight,  // unbounded, symmetric around 0: per-tensor scale
  kSigned,  // known range [-1, 1] (tanh outputs)
  kUnit,    // known range [0, 1] (sigmoid outputs)
};

struct QuantSpec;  // core/quant/quant_spec.hpp

class Quantizer {
 public:
  virtual ~Quantizer() = default;

  // q = Q(x) for n values; mask (may be null) receives the STE gradient mask (0 or 1, or a
  // scale). `pass` says training or evaluation, and for stochastic quantizers in which mode.
  // q may be x itself (in place); mask must not overlap either. Per-tensor statistics (scales,
  // thresholds, percentiles) are taken over all n values of the call.
  virtual void apply(const float* x, float* q, float* mask, std::size_t n, Rng& rng,
                     const Pass& pass) const = 0;

  // A stochastic quantizer's configured evaluation mode; nullopt for deterministic quantizers.
  virtual std::optional<EvalMode> eval_mode() const { return std::nullopt; }
  // True when apply() draws random numbers in training (so callers know the generator is used).
  bool stochastic() const { return eval_mode().has_value(); }
  // True when evaluation draws too (eval: sample), so evaluating several passes tells apart
  // the model from one draw of its noise.
  bool samples_at_eval() const { return eval_mode() == EvalMode::kSample; }
  // True for the identity: callers skip the copy and the mask.
  virtual bool identity() const { return false; }
  virtual std::string describe() const = 0;
};

using QuantizerPtr = std::unique_ptr<Quantizer>;

}  // namespace hitnet
