#include "core/nn/gate_quant.hpp"

namespace hitnet {

void quantize_rows(const GateQuant& gq, Eigen::Ref<const Matrix> post, Eigen::Ref<Matrix> quantized,
                   Eigen::Ref<Matrix> mask, Eigen::Index row, Eigen::Index n, Matrix& scratch,
                   Rng& rng, const Pass& pass) {
  const Eigen::Index cols = post.cols();
  const auto size = static_cast<std::size_t>(n * cols);
  scratch.resize(n, 3 * cols);  // [input | quantized | mask]
  scratch.leftCols(cols) = post.middleRows(row, n);
  gq.quantizer->apply(scratch.data(), scratch.data() + size, scratch.data() + 2 * size, size, rng,
                      pass);
  quantized.middleRows(row, n) = scratch.middleCols(cols, cols);
  mask.middleRows(row, n) = scratch.rightCols(cols);
}

void quantize_gate(const GateQuant& gq, Eigen::Ref<const Matrix> post, Eigen::Ref<Matrix> quantized,
                   Eigen::Ref<Matrix> mask, Eigen::Index row, Eigen::Index n, Matrix& scratch,
                   Rng& rng, const Pass& pass) {
  if (gq.active()) return quantize_rows(gq, post, quantized, mask, row, n, scratch, rng, pass);
  quantized.middleRows(row, n) = post.middleRows(row, n);
  mask.middleRows(row, n).setOnes();
}

}  // namespace hitnet
