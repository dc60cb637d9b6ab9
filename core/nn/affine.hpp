#pragma once
// out = W x + b (b broadcast over the columns), for the products over a whole window.
#include "core/util/tensor.hpp"

namespace hitnet {

// The bias is written first and the product accumulated onto it: with a BLAS backend Eigen
// evaluates `out = W * x` as a zeroing pass and an SGEMM that accumulates, so this is one GEMM
// and one fill instead of a zeroing pass, a GEMM and a pass adding the bias. colwise() copies
// the bias a column at a time (.replicate() went element by element, 20x slower).
template <typename Weight, typename Input, typename Bias>
void affine(const Weight& w, const Input& x, const Bias& b, Matrix& out) {
  out.resize(w.rows(), x.cols());
  out.colwise() = b;
  out.noalias() += w * x;
}

}  // namespace hitnet
