// ttq: threshold ternary quantization (Li & Liu 2016, "Ternary Weight Networks"; HitNet's weight
// quantizer, Wang et al. 2018):
//   Δ = t·mean|x|,  q = α·sign(x) if |x| > Δ else 0,  α = mean{|x| : |x| > Δ} (1 without scale)
// t = `threshold` (TWN's 0.7 approximates the Δ that minimises ||x - q||² for Gaussian x).
// Activations take the same per-tensor formula; sigmoid outputs are >= 0, so there q ∈ {0, α}.
// STE: weights pass the gradient everywhere (the scale follows the tensor); activations inside
// their known range.
// A tensor holding NaN or ±inf has no threshold: the output is all NaN, so the loss (and the
// trainer's divergence check) shows it instead of a silent tensor of zeros.
#include <cmath>
#include <sstream>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

class TtqQuantizer final : public Quantizer {
 public:
  TtqQuantizer(const QuantOptions& o, Domain domain)
      : threshold_(o.number("threshold")),
        domain_(domain),
        scale_(o.flag("scale")),
        clip_(o.flag("clip_grad")) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    write_domain_mask(x, mask, n, domain_, clip_);
    if (fill_nan_unless_finite(x, q, n)) return;
    const float delta = static_cast<float>(threshold_ * mean_abs(x, n));
    float alpha = 1.0f;
    if (scale_) {
      const auto above = as_array(x, n).abs() > delta;
      const Eigen::Index count = above.count();
      alpha =
          count ? above.select(as_array(x, n).abs(), 0.0f).sum() / static_cast<float>(count) : 0.0f;
    }
    for (std::size_t i = 0; i < n; ++i) {  // branch-free: which side of Δ is a coin toss
      const float v = x[i];
      q[i] = static_cast<float>(std::abs(v) > delta) * std::copysign(alpha, v);
    }
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "ttq (delta = " << threshold_ << "*mean|x|, "
      << (scale_ ? "alpha = mean|x| above delta" : "alpha = 1") << ")";
    return s.str();
  }

 private:
  double threshold_;
  Domain domain_;
  bool scale_, clip_;
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"ttq",
     "threshold ternary: α·sign(x) where |x| > Δ = t·mean|x|, else 0 (Li & Liu 2016)",
     {{"threshold", 0.7, "t in Δ = t · mean|x|", greater_than(0)},
      {"scale", true, "α = mean of |x| above Δ (else 1)"},
      clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<TtqQuantizer>(o, d);
     }});

}  // namespace

}  // namespace hitnet
