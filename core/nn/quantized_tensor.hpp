#pragma once
// A quantizer bound to one weight tensor: keeps Q(W) and the straight-through mask of the last
// apply() (once per batch), so that backward can pass gradients through to the full-precision
// shadow weights. Without a quantizer (or with the identity) values() is W itself and backward
// is a no-op, so full-precision training pays nothing.
#include "core/quant/quantizer.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

class QuantizedTensor {
 public:
  QuantizedTensor() = default;
  // `row_blocks` > 1: the rows form that many equal blocks (a cell's stacked gates), each
  // quantized as a tensor of its own (its own threshold and scale), as if every gate had its own
  // matrix.
  explicit QuantizedTensor(QuantizerPtr q, int row_blocks = 1)
      : quantizer_(std::move(q)), row_blocks_(row_blocks) {}
  // Points at the tensor of the last apply(): copying would share that view.
  QuantizedTensor(const QuantizedTensor&) = delete;
  QuantizedTensor& operator=(const QuantizedTensor&) = delete;

  bool active() const { return quantizer_ && !quantizer_->identity(); }
  const QuantizerPtr& quantizer() const { return quantizer_; }
  int row_blocks() const { return row_blocks_; }

  void apply(ConstMatrixMap w, Rng& rng, const Pass& pass) {
    source_ = w.data(), rows_ = w.rows(), cols_ = w.cols();
    if (!active()) return;
    quantized_.resize(rows_, cols_);
    mask_.resize(rows_, cols_);
    if (row_blocks_ == 1) {
      quantizer_->apply(w.data(), quantized_.data(), mask_.data(),
                        static_cast<std::size_t>(w.size()), rng, pass);
      return;
    }
    // A block of rows is strided in column-major storage: quantize a contiguous copy.
    const Eigen::Index rows = rows_ / row_blocks_;
    Matrix block, q(rows, cols_), mask(rows, cols_);
    for (int b = 0; b < row_blocks_; ++b) {
      block = w.middleRows(b * rows, rows);
      quantizer_->apply(block.data(), q.data(), mask.data(), static_cast<std::size_t>(block.size()),
                        rng, pass);
      quantized_.middleRows(b * rows, rows) = q;
      mask_.middleRows(b * rows, rows) = mask;
    }
  }

  void apply(MatrixMap w, Rng& rng, const Pass& pass) {
    apply(ConstMatrixMap(w.data(), w.rows(), w.cols()), rng, pass);
  }

  // Q(W) as of the last apply().
  ConstMatrixMap values() const {
    return ConstMatrixMap(active() ? quantized_.data() : source_, rows_, cols_);
  }

  // grad += dL/dW for dL/dQ(W) = a·bᵀ: one GEMM, straight into grad when unquantized, else
  // through the straight-through mask.
  template <typename A, typename B>
  void accumulate_grad(MatrixMap grad, const A& a, const B& b) const {
    if (!active()) {
      grad.noalias() += a * b.transpose();
      return;
    }
    Matrix d = a * b.transpose();
    grad.array() += d.array() * mask_.array();
  }

  // grad += dL/dW for a given dL/dQ(W) (a bias' row sum), through the mask when quantized.
  template <typename D>
  void accumulate_grad(MatrixMap grad, const Eigen::MatrixBase<D>& d) const {
    if (active())
      grad.array() += d.array() * mask_.array();
    else
      grad += d;
  }

  // dL/dx from dL/dQ(x), in place (for quantized activations such as the embedding output).
  void backward(MatrixMap grad) const {
    if (active()) grad.array() *= mask_.array();
  }

 private:
  QuantizerPtr quantizer_;
  int row_blocks_ = 1;
  const float* source_ = nullptr;
  Eigen::Index rows_ = 0, cols_ = 0;
  Matrix quantized_, mask_;
};

}  // namespace hitnet
