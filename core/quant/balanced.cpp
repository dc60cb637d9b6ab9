// balanced: balanced quantization (He et al. 2016, "Effective Quantization Methods for Recurrent
// Neural Networks"; Zhou et al. 2017, "Balanced Quantization"). Uniform quantization uses its
// extreme levels rarely on bell-shaped weights; balancing gives every one of the 2^k levels the
// same share of the tensor: the bin edges are the tensor's percentiles j/2^k (exact here, see
// order_statistics.hpp, where the papers approximate them by recursive means), and bin i
// maps to level α·g_i of a uniform grid:
//   g_i = -1 + 2i/(2^k - 1) (weights, tanh outputs),   g_i = i/(2^k - 1) (sigmoid outputs)
// α (with `scale`): the least-squares fit, Σ x·g / Σ g², of the binned tensor; without it
// α = max|x| for weights and 1 for activations (the grid spans the known range).
// Activations are clamped to their range first. Equal values always share a level. A tensor
// with a NaN or infinity is passed through unchanged, so the loss shows it.
// STE: weights pass the gradient everywhere; activations inside their known range.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "core/quant/order_statistics.hpp"
#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

class BalancedQuantizer final : public Quantizer {
 public:
  BalancedQuantizer(const QuantOptions& o, Domain domain)
      : bits_(o.integer("bits")),
        levels_(std::size_t{1} << bits_),
        domain_(domain),
        scale_(o.flag("scale")),
        clip_(o.flag("clip_grad")) {
    grid_.resize(levels_);
    const double top = static_cast<double>(levels_ - 1);
    for (std::size_t i = 0; i < levels_; ++i)
      grid_[i] = domain == Domain::kUnit ? i / top : -1.0 + 2.0 * i / top;
  }

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    write_domain_mask(x, mask, n, domain_, clip_);
    if (n == 0) return;
    const ValueRange range = domain_range(domain_);

    if (!as_array(x, n).allFinite()) {
      std::copy(x, x + n, q);
      return;
    }

    // Scratch kept per thread: weights come once per batch, activations every step.
    thread_local std::vector<float> value, edges, level;
    thread_local std::vector<std::size_t> ranks;
    thread_local std::vector<uint32_t> bins;
    value.resize(n);
    for (std::size_t i = 0; i < n; ++i) value[i] = std::clamp(x[i], range.lo, range.hi);
    ranks.resize(levels_ - 1);
    for (std::size_t j = 1; j < levels_; ++j) ranks[j - 1] = j * n / levels_;
    order_statistics(value.data(), n, ranks, edges);
    bin_by_edges(value.data(), n, edges, bins);

    double alpha = 1.0;
    if (scale_) {
      double xg = 0.0, gg = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double g = grid_[bins[i]];
        xg += value[i] * g, gg += g * g;
      }
      alpha = gg > 0.0 ? xg / gg : 0.0;
    } else if (domain_ == Domain::kWeight) {
      alpha = max_abs(x, n);
    }
    level.resize(levels_);
    for (std::size_t i = 0; i < levels_; ++i) level[i] = static_cast<float>(alpha * grid_[i]);
    for (std::size_t i = 0; i < n; ++i) q[i] = level[bins[i]];
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "balanced " << bits_ << "-bit (" << levels_ << " equal-population levels, "
      << (scale_ ? "least-squares scale" : "range scale") << ")";
    return s.str();
  }

 private:
  int bits_;
  std::size_t levels_;
  Domain domain_;
  bool scale_, clip_;
  std::vector<double> grid_;  // the unscaled levels g_i
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"balanced",
     "2^k levels, each holding an equal share of the tensor (He et al. 2016)",
     {{"bits", 2, "bits k: 2^k levels", between(1, 16)},
      {"scale", true, "least-squares scale α (else max|x| for weights, 1 for activations)"},
      clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<BalancedQuantizer>(o, d);
     }});
}  // namespace

}  // namespace hitnet
