// binary: one bit. Weights: q = α·sign(x), α = mean|x| when `scale` (XNOR-Net, Rastegari et al.
// 2016), else 1 (BinaryConnect, Courbariaux et al. 2015). tanh outputs: sign(x). Sigmoid
// outputs: {0, 1}, q = [x >= 0.5]. sign(0) = +1 so there are exactly two levels.
// STE (Hubara et al. 2016's hard-tanh estimator): the gradient passes where |x| <= 1 (sigmoid
// outputs: 0 <= x <= 1); weights use the same |x| <= 1 window as BinaryConnect, which is
// everywhere for weights initialised in (-0.1, 0.1).
#include <sstream>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

class BinaryQuantizer final : public Quantizer {
 public:
  BinaryQuantizer(const QuantOptions& o, Domain domain)
      : domain_(domain), scale_(o.flag("scale")), clip_(o.flag("clip_grad")) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    const ValueRange window =
        domain_ == Domain::kUnit ? ValueRange{0.0f, 1.0f} : ValueRange{-1.0f, 1.0f};
    write_range_mask(x, mask, n, window, clip_);
    if (domain_ == Domain::kUnit) {
      for (std::size_t i = 0; i < n; ++i) q[i] = keep_nan(x[i], x[i] >= 0.5f ? 1.0f : 0.0f);
      return;
    }
    const float a =
        domain_ == Domain::kWeight && scale_ ? static_cast<float>(mean_abs(x, n)) : 1.0f;
    for (std::size_t i = 0; i < n; ++i) q[i] = keep_nan(x[i], x[i] >= 0.0f ? a : -a);
  }

  std::string describe() const override {
    if (domain_ == Domain::kUnit) return "binary {0, 1}, threshold 0.5";
    if (domain_ == Domain::kSigned) return "binary sign(x)";
    return scale_ ? "binary mean|x|*sign(x)" : "binary sign(x)";
  }

 private:
  Domain domain_;
  bool scale_, clip_;
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"binary",
     "one bit: α·sign(x) for weights (XNOR-Net / BinaryConnect), sign(x), [x >= 0.5]",
     {{"scale", true, "weights: α = mean|x| (else 1)"}, clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<BinaryQuantizer>(o, d);
     }});
}  // namespace

}  // namespace hitnet
