// alternating: alternating multi-bit quantization (Xu et al. 2018, "Alternating Multi-bit
// Quantization for Recurrent Neural Networks"). k binary codes with real coefficients,
//   x ≈ Σ_{i<k} α_i·b_i,  b_i ∈ {-1, +1}^n          (at most 2^k levels)
// found by alternating minimisation of ||x - Σ α_i b_i||²: a greedy start (α_i = mean|r|,
// b_i = sign(r) on the residual r), then two cycles (the paper's choice) of
//   codes for fixed α: each value takes the nearest of the 2^k sums (compared with the
//                      midpoints of the sorted sums, as the paper's binary search tree does);
//   α for fixed codes: least squares, (BᵀB) α = Bᵀx, from per-code counts and sums.
// The output is each value's nearest level for the final α. Per tensor (the paper quantizes
// weights row by row; this interface sees a flat tensor). Activations are clamped to their known
// range first; sigmoid outputs are fitted as 2x - 1 and mapped back, because sums of ±α codes
// are symmetric around 0 and would waste half their levels below [0, 1].
// STE: weights pass the gradient everywhere; activations inside their range.
#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <vector>

#include "core/quant/registry.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

constexpr int kMaxBits = 8;  // the largest `bits` (2^k codes are enumerated)
constexpr int kCycles = 2;

using Coefficients = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxBits, 1>;
using Gram = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxBits, kMaxBits>;

// Bit i of code c set: b_i = +1, else -1.
inline double code_sign(std::size_t code, int i) {
  return (code >> i) & 1u ? 1.0 : -1.0;
}

// The 2^k sums Σ α_i b_i in ascending order, with their codes and the midpoints between them.
struct LevelTable {
  std::vector<double> sum_of_code;
  std::vector<std::size_t> order;  // order[k]: the code of the k-th smallest level
  std::vector<float> levels, midpoints;

  void build(const Coefficients& alpha, std::size_t codes) {
    const auto bits = static_cast<int>(alpha.size());
    sum_of_code.assign(codes, 0.0);
    order.resize(codes);
    for (std::size_t c = 0; c < codes; ++c) {
      order[c] = c;
      for (int i = 0; i < bits; ++i) sum_of_code[c] += alpha[i] * code_sign(c, i);
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return sum_of_code[a] < sum_of_code[b]; });
    levels.resize(codes);
    for (std::size_t k = 0; k < codes; ++k) levels[k] = static_cast<float>(sum_of_code[order[k]]);
    midpoints.resize(codes - 1);
    for (std::size_t k = 0; k + 1 < codes; ++k) midpoints[k] = 0.5f * (levels[k] + levels[k + 1]);
  }
};

class AlternatingQuantizer final : public Quantizer {
 public:
  AlternatingQuantizer(const QuantOptions& o, Domain domain)
      : bits_(o.integer("bits")),
        codes_(std::size_t{1} << bits_),
        domain_(domain),
        clip_(o.flag("clip_grad")) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    write_domain_mask(x, mask, n, domain_, clip_);
    if (n == 0) return;
    const ValueRange range = domain_range(domain_);
    const bool centre = domain_ == Domain::kUnit;

    // Scratch kept per thread, so one instance may serve several threads.
    thread_local std::vector<float> value, residual;
    thread_local std::vector<uint32_t> bins;
    thread_local std::vector<double> count, sum;
    thread_local LevelTable table;
    value.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = std::clamp(x[i], range.lo, range.hi);
      value[i] = centre ? 2.0f * v - 1.0f : v;
    }

    // Greedy start: each code binarises the residual the previous ones left.
    Coefficients alpha = Coefficients::Zero(bits_);
    residual = value;
    for (int l = 0; l < bits_; ++l) {
      alpha[l] = mean_abs(residual.data(), n);
      const auto a = static_cast<float>(alpha[l]);
      for (float& r : residual) r -= std::copysign(a, r);
    }

    for (int cycle = 0; cycle < kCycles; ++cycle) {
      // Codes for fixed α: the nearest level; per-level counts and sums are all α needs.
      table.build(alpha, codes_);
      bin_by_edges(value.data(), n, table.midpoints, bins);
      count.assign(codes_, 0.0), sum.assign(codes_, 0.0);
      for (std::size_t i = 0; i < n; ++i) count[bins[i]] += 1.0, sum[bins[i]] += value[i];
      // α for fixed codes: the normal equations.
      Gram gram = Gram::Zero(bits_, bits_);
      Coefficients rhs = Coefficients::Zero(bits_);
      for (std::size_t k = 0; k < codes_; ++k) {
        if (count[k] == 0.0) continue;
        const std::size_t c = table.order[k];
        for (int i = 0; i < bits_; ++i) {
          rhs[i] += sum[k] * code_sign(c, i);
          for (int j = 0; j < bits_; ++j)
            gram(i, j) += count[k] * code_sign(c, i) * code_sign(c, j);
        }
      }
      // Minimum-norm solution: codes that agree on every value make BᵀB singular.
      const Coefficients solved = gram.completeOrthogonalDecomposition().solve(rhs);
      if (solved.allFinite()) alpha = solved;
    }

    table.build(alpha, codes_);
    bin_by_edges(value.data(), n, table.midpoints, bins);
    if (centre)
      for (float& level : table.levels) level = 0.5f * (level + 1.0f);
    for (std::size_t i = 0; i < n; ++i) q[i] = table.levels[bins[i]];
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "alternating " << bits_ << "-bit (sum of " << bits_ << " scaled binary codes)";
    return s.str();
  }

 private:
  int bits_;
  std::size_t codes_;
  Domain domain_;
  bool clip_;
};

[[maybe_unused]] const bool kRegistered = register_quantizer(
    {"alternating",
     "x ≈ Σ α_i b_i, b_i ∈ {-1, +1}, by alternating least squares (Xu et al. 2018)",
     {{"bits", 2, "bits k: k binary codes", between(1, kMaxBits)}, clip_grad_option()},
     [](const QuantOptions& o, Domain d) -> QuantizerPtr {
       return std::make_unique<AlternatingQuantizer>(o, d);
     }});
}  // namespace

}  // namespace hitnet
