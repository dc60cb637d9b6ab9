// btq: Bernoulli ternary quantization (HitNet's activation quantizer, Wang et al. 2018):
//   q = sign(x) with probability min(|x|, 1), else 0     so E[q] = x for |x| <= 1.
// Sigmoid outputs (`unit_levels`): binary, q = 1 with probability clamp(x, 0, 1), else 0; or
// ternary, q = (b + 1) / 2 with b the signed BTQ of 2x - 1, so q in {0, 1/2, 1} and still
// E[q] = x. The ternary gate can stay half open, and a gate near 1/2 (where the binary one is a
// coin toss) is nearly noiseless. Weights are treated like tanh outputs (unscaled, clamped to
// [-1, 1]).
// Training (`train`): sample (the default, HitNet's) or deterministic (as evaluation's).
// Evaluation (`eval`): sample (draw as in pass), expectation (q = clamp(x), E[q] itself,
// not quantized), deterministic (round to the nearest level of {-1, 0, 1} or {0, 1}).
// Random numbers: one 64-bit draw of the run's generator gives the uniforms of two consecutive
// elements (its low, then high 32 bits), in index order, so a seed reproduces the run. Element i
// is kept when u_i < p_i·2^32, which has probability p_i up to 2^-32.
// STE: the gradient passes where |x| <= 1 (sigmoid outputs: 0 <= x <= 1).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

class BtqQuantizer final : public Quantizer {
 public:
  BtqQuantizer(const QuantOptions& o, Domain domain)
      : train_(*parse_eval_mode(o.text("train"))),
        eval_(*parse_eval_mode(o.text("eval"))),
        unit_(domain == Domain::kUnit),
        ternary_unit_(unit_ && o.text("unit_levels") == "ternary"),
        clip_(o.flag("clip_grad")) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng& rng,
             const Pass& pass) const override {
    const ValueRange range = unit_ ? ValueRange{0.0f, 1.0f} : ValueRange{-1.0f, 1.0f};
    write_range_mask(x, mask, n, range, clip_);
    if (ternary_unit_) {
      // q = (btq(2x - 1) + 1) / 2, computed in place in q (element-wise, so aliasing is safe).
      for (std::size_t i = 0; i < n; ++i) q[i] = 2.0f * x[i] - 1.0f;
      quantize(q, q, n, rng, pass, ValueRange{-1.0f, 1.0f});
      for (std::size_t i = 0; i < n; ++i) q[i] = 0.5f * q[i] + 0.5f;
      return;
    }
    quantize(x, q, n, rng, pass, range);
  }

  std::optional<EvalMode> eval_mode() const override { return eval_; }
  std::string describe() const override {
    const char* levels = !unit_          ? "{-1, 0, 1}, P(sign x) = |x|"
                         : ternary_unit_ ? "{0, 1/2, 1} = (btq(2x - 1) + 1) / 2"
                                         : "{0, 1}, P(1) = x";
    return std::string("btq ") + levels + ", train " + eval_mode_name(train_) + ", eval " +
           eval_mode_name(eval_);
  }

 private:
  void quantize(const float* x, float* q, std::size_t n, Rng& rng, const Pass& pass,
                ValueRange range) const {
    switch (pass.mode_for(train_, eval_)) {
      case EvalMode::kSample:
        sample(x, q, n, rng, range);
        break;
      case EvalMode::kExpectation:
        for (std::size_t i = 0; i < n; ++i) q[i] = std::clamp(x[i], range.lo, range.hi);
        break;
      case EvalMode::kDeterministic:
        for (std::size_t i = 0; i < n; ++i) q[i] = std::round(std::clamp(x[i], range.lo, range.hi));
        break;
    }
  }

  static void sample(const float* x, float* q, std::size_t n, Rng& rng, ValueRange range) {
    constexpr double kTwo32 = 4294967296.0;
    auto keep = [](float v, uint64_t u) {  // v in [-1, 1]; a NaN stays NaN. Branch-free:
      // for sigmoid outputs near 0.5 the outcome is a coin toss the predictor cannot learn.
      const bool kept = static_cast<double>(u) < std::abs(v) * kTwo32;
      return keep_nan(v, static_cast<float>(kept) * std::copysign(1.0f, v));
    };
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) {
      const uint64_t bits = rng();
      const float a = std::clamp(x[i], range.lo, range.hi);
      const float b = std::clamp(x[i + 1], range.lo, range.hi);
      q[i] = keep(a, bits & 0xffffffffu);
      q[i + 1] = keep(b, bits >> 32);
    }
    if (i < n) q[i] = keep(std::clamp(x[i], range.lo, range.hi), rng() & 0xffffffffu);
  }

  EvalMode train_, eval_;
  bool unit_, ternary_unit_, clip_;
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"btq",
     "Bernoulli ternary: sign(x) with probability |x|, else 0; unbiased (HitNet)",
     {{"train",
       std::string("sample"),
       "in training: sample (unbiased, as in HitNet) or deterministic (nearest level, then the "
       "straight-through gradient: no train/test mismatch)",
       {},
       {"sample", "deterministic"}},
      {"unit_levels",
       std::string("binary"),
       "levels of a sigmoid output: binary {0, 1} or ternary {0, 1/2, 1} (btq of 2x - 1, mapped "
       "back); tanh outputs are always {-1, 0, 1}",
       {},
       {"binary", "ternary"}},
      eval_option(),
      clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<BtqQuantizer>(o, d);
     }});

}  // namespace

}  // namespace hitnet
