// uniform k-bit: 2^k evenly spaced levels on a range, including both ends (DoReFa-Net, Zhou et
// al. 2016). Weights: [-s, s] with the per-tensor scale s = max|x|, so every code is used and
// no value is clipped (there is no level at 0: for k = 2 the levels are ±s, ±s/3). Sigmoid
// outputs: [0, 1]; tanh outputs: [-1, 1].
//   q = lo + round((clamp(x, lo, hi) - lo) / step) * step,  step = (hi - lo) / (2^k - 1)
// STE: the gradient passes inside [lo, hi] (for weights: everywhere).
#include <cmath>
#include <sstream>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

class UniformQuantizer final : public Quantizer {
 public:
  UniformQuantizer(const QuantOptions& o, Domain domain)
      : bits_(o.integer("bits")),
        steps_(static_cast<float>((1 << bits_) - 1)),
        domain_(domain),
        clip_(o.flag("clip_grad")) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    ValueRange r = domain_range(domain_);
    if (domain_ == Domain::kWeight) {
      if (fill_nan_unless_finite(x, q, n)) return;
      const float s = max_abs(x, n);
      r = {-s, s};
    }
    write_range_mask(x, mask, n, r, clip_);
    const float step = (r.hi - r.lo) / steps_;
    if (!(step > 0.0f)) {  // an all-zero weight tensor: nothing to scale
      std::fill(q, q + n, 0.0f);
      return;
    }
    const float inv_step = 1.0f / step;
    for (std::size_t i = 0; i < n; ++i) {
      const float c = std::clamp(x[i], r.lo, r.hi);
      q[i] = r.lo + std::nearbyint((c - r.lo) * inv_step) * step;
    }
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "uniform " << bits_ << "-bit on "
      << (domain_ == Domain::kWeight ? "[-max|x|, max|x|]"
          : domain_ == Domain::kUnit ? "[0, 1]"
                                     : "[-1, 1]")
      << " (" << (1 << bits_) << " levels)";
    return s.str();
  }

 private:
  int bits_;
  float steps_;
  Domain domain_;
  bool clip_;
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"uniform",
     "2^k evenly spaced levels on [-max|x|, max|x|] (weights) or the known range (DoReFa)",
     {{"bits", 2, "bits k: 2^k levels", between(1, 16)}, clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<UniformQuantizer>(o, d);
     }});
}  // namespace

}  // namespace hitnet
