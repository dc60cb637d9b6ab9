// fp: full precision, Q(x) = x. Callers test identity() and skip the copy altogether.
#include <algorithm>

#include "core/quant/registry.hpp"

namespace hitnet {
namespace {

class FpQuantizer final : public Quantizer {
 public:
  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    if (q != x) std::copy(x, x + n, q);
    if (mask) std::fill(mask, mask + n, 1.0f);
  }
  bool identity() const override { return true; }
  std::string describe() const override { return "fp (identity)"; }
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"fp",
     "full precision, q = x (callers skip it entirely)",
     {},
     [](const QuantOptions&, Domain) -> QuantizerPtr { return std::make_unique<FpQuantizer>(); }});
}  // namespace

}  // namespace hitnet
