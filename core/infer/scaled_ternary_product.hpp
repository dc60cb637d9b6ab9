#pragma once
// W·x for a stored ternary matrix W and a batch of inputs, as a session computes it: the
// kernels' product of the codes (ternary_kernels.hpp: exact integers for ternary inputs, sums of
// the selected inputs for float ones), then each block of rows times its α, and for a diagonal
// apart α_d·T(r, r % cols)·x(r % cols) added to each row. The kernels stay scale-free, and the
// only multiplications are by the scales, as with one α per matrix.
//
// Prepared once per matrix: the row-blocked layout for float inputs, and for a diagonal apart the
// planes without the diagonal (which the kernels multiply) and the diagonal's codes.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "core/infer/ternary_kernels.hpp"
#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

class ScaledTernaryProduct {
 public:
  // `w` must outlive this. `ternary_input`: the inputs come with their bit planes (exactly -1, 0,
  // +1 values), else they are floats. Throws std::invalid_argument for an `isa` the CPU lacks.
  ScaledTernaryProduct(Isa isa, const TernaryMatrix& w, bool ternary_input);

  // out (rows x batch) = W x for x (cols x batch, column b = input b); `planes` holds the same
  // x as bit planes when the inputs are ternary, and is ignored otherwise.
  void operator()(const Eigen::MatrixXf& x, const TernaryPlanes* planes, Eigen::MatrixXf& out);

 private:
  const KernelVariant* variant_;
  const TernaryMatrix* w_;
  bool ternary_input_;
  // A diagonal apart: W's codes with the diagonal cleared, and T(r, r % cols) per row. On the
  // heap, so that the kernels' pointer to it survives moving this.
  std::unique_ptr<const TernaryMatrix> off_diagonal_;
  std::vector<int8_t> diagonal_codes_;
  const TernaryMatrix* codes_;  // what the kernels multiply: *w_ or *off_diagonal_
  std::optional<TernaryFloatProduct> from_floats_;
  std::vector<int32_t> counts_;  // ternary inputs: the kernel's integer products
};

}  // namespace hitnet::infer
