#include "core/infer/scaled_ternary_product.hpp"

#include <stdexcept>

#include "core/infer/kernel_variants.hpp"

namespace hitnet::infer {
namespace {

// W's codes with every diagonal entry r % cols == c cleared: what is left for the block scales.
TernaryMatrix without_diagonal(const TernaryMatrix& w) {
  TernaryMatrix m = w;
  m.diagonal_scales.clear();
  for (int r = 0; r < w.rows; ++r) {
    const int c = r % w.cols;
    const uint64_t keep = ~(uint64_t{1} << (c % 64));
    const std::size_t word = std::size_t(r) * w.words + std::size_t(c / 64);
    m.plus[word] &= keep, m.minus[word] &= keep;
  }
  return m;
}

}  // namespace

ScaledTernaryProduct::ScaledTernaryProduct(Isa isa, const TernaryMatrix& w, bool ternary_input)
    : variant_(&kernel_variant(isa)), w_(&w), ternary_input_(ternary_input), codes_(&w) {
  if (w.diagonal_apart()) {
    off_diagonal_ = std::make_unique<const TernaryMatrix>(without_diagonal(w));
    codes_ = off_diagonal_.get();
    diagonal_codes_.resize(std::size_t(w.rows));
    for (int r = 0; r < w.rows; ++r)
      diagonal_codes_[std::size_t(r)] = int8_t(w.code(r, r % w.cols));
  }
  if (!ternary_input) from_floats_.emplace(isa, *codes_);
}

void ScaledTernaryProduct::operator()(const Eigen::MatrixXf& x, const TernaryPlanes* planes,
                                      Eigen::MatrixXf& out) {
  const TernaryMatrix& w = *w_;
  const int batch = int(x.cols());
  if (x.rows() != w.cols || (ternary_input_ && (!planes || planes->words != w.words)))
    throw std::invalid_argument("ScaledTernaryProduct: inputs do not match the matrix");
  out.resize(w.rows, batch);
  if (ternary_input_) {
    counts_.resize(std::size_t(w.rows) * batch);
    variant_->ternary_times_ternary(*codes_, *planes, batch, counts_.data());
    out = Eigen::Map<const Eigen::MatrixXi>(counts_.data(), w.rows, batch).cast<float>();
  } else {
    (*from_floats_)(x.data(), batch, out.data());
  }
  const int n = w.block_rows();
  for (std::size_t k = 0; k < w.scales.size(); ++k)
    out.middleRows(Eigen::Index(k) * n, n) *= w.scales[k];
  // The diagonal: per row, its α_d with the code's sign times the input it meets.
  for (int r = 0; r < int(diagonal_codes_.size()); ++r)
    if (const int8_t code = diagonal_codes_[std::size_t(r)]) {
      const float alpha = w.diagonal_scales[w.block_of(r)];
      out.row(r) += (code > 0 ? alpha : -alpha) * x.row(r % w.cols);
    }
}

}  // namespace hitnet::infer
