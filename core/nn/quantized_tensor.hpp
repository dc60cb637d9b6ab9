#pragma once
// A quantizer bound to one weight tensor: keeps Q(W) and the straight-through mask of the last
// apply() (once per batch), so that backward can pass gradients through to the full-precision
// shadow weights. Without a quantizer (or with the identity) values() is W itself and backward
// is a no-op, so full-precision training pays nothing.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/quant/quantizer.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

class QuantizedTensor {
 public:
  QuantizedTensor() = default;
  // How the elements split into groups, each quantized as a tensor of its own (its own
  // threshold and scale). `row_blocks` > 1: the rows form that many equal blocks (a cell's stacked
  // gates), as if every gate had its own matrix. `diagonal_apart`: in a matrix of stacked square
  // blocks (W_hh: rows a multiple of cols), the blocks' diagonal entries form a group apart from
  // the rest: a recurrent matrix whose diagonal is much larger than the rest (a unit feeding
  // back on itself) keeps it as a second ternary scale instead of losing it to the shared one.
  explicit QuantizedTensor(QuantizerPtr q, int row_blocks = 1, bool diagonal_apart = false)
      : quantizer_(std::move(q)), row_blocks_(row_blocks), diagonal_apart_(diagonal_apart) {}
  // Points at the tensor of the last apply(): copying would share that view.
  QuantizedTensor(const QuantizedTensor&) = delete;
  QuantizedTensor& operator=(const QuantizedTensor&) = delete;

  bool active() const { return quantizer_ && !quantizer_->identity(); }
  const QuantizerPtr& quantizer() const { return quantizer_; }
  int row_blocks() const { return row_blocks_; }
  bool diagonal_apart() const { return diagonal_apart_; }

  void apply(ConstMatrixMap w, Rng& rng, const Pass& pass) {
    source_ = w.data(), rows_ = w.rows(), cols_ = w.cols();
    if (!active()) return;
    quantized_.resize(rows_, cols_);
    mask_.resize(rows_, cols_);
    if (row_blocks_ == 1 && !diagonal_apart_) {
      quantizer_->apply(w.data(), quantized_.data(), mask_.data(),
                        static_cast<std::size_t>(w.size()), rng, pass);
      return;
    }
    // The groups are strided in column-major storage: quantize a contiguous copy of each.
    if (groups_.empty()) make_groups();
    std::vector<float> x, q, mask;
    for (const auto& group : groups_) {
      x.resize(group.size()), q.resize(group.size()), mask.resize(group.size());
      for (std::size_t k = 0; k < group.size(); ++k) x[k] = w.data()[group[k]];
      quantizer_->apply(x.data(), q.data(), mask.data(), x.size(), rng, pass);
      for (std::size_t k = 0; k < group.size(); ++k)
        quantized_.data()[group[k]] = q[k], mask_.data()[group[k]] = mask[k];
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
  // The element groups (linear indices) for row blocks or a diagonal apart, from the shape.
  void make_groups() {
    if (rows_ % row_blocks_ || (diagonal_apart_ && rows_ % cols_))
      throw std::invalid_argument("QuantizedTensor: a " + std::to_string(rows_) + "x" +
                                  std::to_string(cols_) + " matrix does not split into " +
                                  std::to_string(row_blocks_) + " row blocks" +
                                  (diagonal_apart_ ? " of square gate blocks" : ""));
    const Eigen::Index block_rows = rows_ / row_blocks_;
    groups_.assign(std::size_t(row_blocks_) * (diagonal_apart_ ? 2 : 1), {});
    for (Eigen::Index c = 0; c < cols_; ++c)
      for (Eigen::Index r = 0; r < rows_; ++r) {
        const bool diagonal = diagonal_apart_ && r % cols_ == c;
        const std::size_t g = std::size_t(r / block_rows) * (diagonal_apart_ ? 2 : 1) + diagonal;
        groups_[g].push_back(c * rows_ + r);
      }
  }

  QuantizerPtr quantizer_;
  int row_blocks_ = 1;
  bool diagonal_apart_ = false;
  std::vector<std::vector<Eigen::Index>> groups_;
  const float* source_ = nullptr;
  Eigen::Index rows_ = 0, cols_ = 0;
  Matrix quantized_, mask_;
};

}  // namespace hitnet
