// pow2: logarithmic quantization to signed powers of two (Miyashita et al. 2016, "Convolutional
// Neural Networks using Logarithmic Data Representation"; the scale rule of Zhou et al. 2017's
// INQ). With k bits, one sign bit and k-1 bits of exponent, one code meaning 0:
//   levels 0, ±s·2^-j for j = 0 .. m-1,  m = 2^(k-1) - 1      (2^k - 1 levels)
// Sigmoid outputs need no sign bit: levels 0, 2^-j for j = 0 .. 2^k - 2 (2^k levels).
// s = 1 for activations; for weights s = 2^floor(log2(4/3·max|x|)), the power of two nearest
// to max|x|, so a product with a level is a shift. Each value goes to the nearest level in the
// linear domain (between 2^e and 2^(e+1) the midpoint is 1.5·2^e), values above s to s, values
// below half the smallest level to 0.
// STE: weights pass the gradient everywhere; activations inside their known range.
#include <bit>
#include <cmath>
#include <cstdint>
#include <sstream>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

// The power of two nearest to r > 0 in the linear domain: r = 1.m·2^e rounds up to 2^(e+1)
// when 1.m >= 1.5, which is adding half the mantissa range and dropping the mantissa.
inline float nearest_power_of_two(float r) {
  const uint32_t bits = std::bit_cast<uint32_t>(r);
  return std::bit_cast<float>((bits + 0x00400000u) & 0xff800000u);
}

class Pow2Quantizer final : public Quantizer {
 public:
  Pow2Quantizer(const QuantOptions& o, Domain domain)
      : bits_(o.integer("bits")), domain_(domain), clip_(o.flag("clip_grad")) {
    const int magnitudes = domain == Domain::kUnit ? (1 << bits_) - 1 : (1 << (bits_ - 1)) - 1;
    smallest_ = std::ldexp(1.0f, -(magnitudes - 1));
  }

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    write_domain_mask(x, mask, n, domain_, clip_);
    float s = 1.0f;
    if (domain_ == Domain::kWeight) {
      if (fill_nan_unless_finite(x, q, n)) return;
      const float m = max_abs(x, n);
      if (!(m > 0.0f)) {  // an all-zero tensor
        std::fill(q, q + n, 0.0f);
        return;
      }
      s = nearest_power_of_two(m);
    }
    const ValueRange range = domain_range(domain_);
    const float inv_s = 1.0f / s, half_smallest = 0.5f * smallest_;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = std::clamp(x[i], range.lo, range.hi);
      const float r = std::abs(v) * inv_s;
      const float level =
          r < half_smallest ? 0.0f : std::clamp(nearest_power_of_two(r), smallest_, 1.0f);
      q[i] = keep_nan(v, std::copysign(level * s, v));
    }
  }

  std::string describe() const override {
    std::ostringstream out;
    out << "pow2 " << bits_ << "-bit (levels 0, " << (domain_ == Domain::kUnit ? "" : "±")
        << (domain_ == Domain::kWeight ? "s*" : "") << "2^-j down to " << smallest_ << ")";
    return out.str();
  }

 private:
  int bits_;
  Domain domain_;
  bool clip_;
  float smallest_;  // the smallest nonzero level (relative to s)
};

// Bits keep every level a normal float (2^-126 is the smallest).
[[maybe_unused]] const bool kRegistered =
    register_quantizer({"pow2",
                        "signed powers of two and 0 (Miyashita et al. 2016)",
                        {{"bits", 3, "bits k: 2^k - 1 levels", between(2, 7)}, clip_grad_option()},
                        [](const QuantOptions& o, Domain d) -> QuantizerPtr {
                          return std::make_unique<Pow2Quantizer>(o, d);
                        }});
}  // namespace

}  // namespace hitnet
