// alternating: alternating multi-bit quantization (Xu et al. 2018, "Alternating Multi-bit
// Quantization for Recurrent Neural Networks"). k binary codes with real coefficients,
//   x ≈ Σ_{i<k} α_i·b_i,  b_i ∈ {-1, +1}^n          (at most 2^k levels)
// found by alternating minimisation of ||x - Σ α_i b_i||²: a greedy start (α_i = mean|r|,
// b_i = sign(r) on the residual r), then two cycles (the paper's choice) of
//   codes for fixed α: each value takes the nearest of the 2^k sums (a binary search over the
//                      sorted levels, the paper's binary search tree);
//   α for fixed codes: least squares, (BᵀB) α = Bᵀx, from per-code counts and sums.
// The output is each value's nearest level for the final α. Per tensor (the paper quantizes
// weights row by row; this interface sees a flat tensor). Activations are clamped to their known
// range first. STE: weights pass the gradient everywhere; activations inside their range.
#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <vector>

#include "core/quant/methods.hpp"
#include "core/quant/tensor_ops.hpp"

namespace hitnet {
namespace {

constexpr int kMaxBits = 8;   // registry.cpp's limit for this method
constexpr int kCycles = 2;

using Coefficients = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxBits, 1>;
using Gram = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxBits, kMaxBits>;

// Bit i of code c set: b_i = +1, else -1.
inline double code_sign(std::size_t code, int i) { return (code >> i) & 1u ? 1.0 : -1.0; }

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

  // Index into levels of the level nearest to v.
  std::size_t nearest(float v) const {
    return static_cast<std::size_t>(std::upper_bound(midpoints.begin(), midpoints.end(), v) -
                                    midpoints.begin());
  }
};

class AlternatingQuantizer final : public Quantizer {
 public:
  AlternatingQuantizer(const QuantSpec& spec, Domain domain)
      : bits_(spec.bits), codes_(std::size_t{1} << spec.bits), domain_(domain),
        clip_(spec.clip_grad) {}

  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&, bool) const override {
    write_domain_mask(x, mask, n, domain_, clip_);
    if (n == 0) return;
    const ValueRange range = domain_range(domain_);
    auto value = [&](std::size_t i) { return std::clamp(x[i], range.lo, range.hi); };

    // Greedy start: each code binarises the residual the previous ones left.
    Coefficients alpha = Coefficients::Zero(bits_);
    for (int l = 0; l < bits_; ++l) {
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        double r = value(i);
        for (int j = 0; j < l; ++j) r -= alpha[j] * (r >= 0.0 ? 1.0 : -1.0);
        sum += std::abs(r);
      }
      alpha[l] = sum / static_cast<double>(n);
    }

    // Scratch kept per thread, so one instance may serve several threads.
    thread_local LevelTable table;
    thread_local std::vector<double> count, sum;
    for (int cycle = 0; cycle < kCycles; ++cycle) {
      table.build(alpha, codes_);
      count.assign(codes_, 0.0), sum.assign(codes_, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        const float v = value(i);
        const std::size_t code = table.order[table.nearest(v)];
        count[code] += 1.0, sum[code] += v;
      }
      Gram gram = Gram::Zero(bits_, bits_);
      Coefficients rhs = Coefficients::Zero(bits_);
      for (std::size_t c = 0; c < codes_; ++c) {
        if (count[c] == 0.0) continue;
        for (int i = 0; i < bits_; ++i) {
          rhs[i] += sum[c] * code_sign(c, i);
          for (int j = 0; j < bits_; ++j) gram(i, j) += count[c] * code_sign(c, i) * code_sign(c, j);
        }
      }
      // Minimum-norm solution: codes that agree on every value make BᵀB singular.
      const Coefficients solved = gram.completeOrthogonalDecomposition().solve(rhs);
      if (solved.allFinite()) alpha = solved;
    }

    table.build(alpha, codes_);
    for (std::size_t i = 0; i < n; ++i) q[i] = table.levels[table.nearest(value(i))];
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

}  // namespace

QuantizerPtr make_alternating_quantizer(const QuantSpec& spec, Domain domain) {
  return std::make_unique<AlternatingQuantizer>(spec, domain);
}

}  // namespace hitnet
