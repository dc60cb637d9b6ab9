#pragma once
// A trainable tensor of a layer together with its quantizer: a handle into the model's flat
// parameter store, Q(W) computed once per batch, and the gradient GEMM taken through the
// straight-through mask back to the full-precision shadow tensor the optimizer updates.
#include <string>

#include "core/nn/parameters.hpp"
#include "core/nn/quantized_tensor.hpp"

namespace hitnet {

class QuantizedParam {
 public:
  QuantizedParam(ParameterStore& store, const std::string& name, int rows, int cols,
                 QuantizerPtr quantizer, int row_blocks = 1, bool diagonal_apart = false)
      : store_(store),
        id_(store.declare(name, rows, cols)),
        q_(std::move(quantizer), row_blocks, diagonal_apart) {}
  // A tensor declared elsewhere (a decoder tied to the embedding table).
  QuantizedParam(ParameterStore& store, int id, QuantizerPtr quantizer)
      : store_(store), id_(id), q_(std::move(quantizer)) {}
  QuantizedParam(const QuantizedParam&) = delete;
  QuantizedParam& operator=(const QuantizedParam&) = delete;

  void quantize(Rng& rng, const Pass& pass) { q_.apply(store_.value(id_), rng, pass); }
  ConstMatrixMap values() const { return q_.values(); }  // Q(W) of the last quantize()

  // grad W += dL/dQ(W) for dL/dQ(W) = a·bᵀ (one GEMM), or for a given matrix (a bias' row sum).
  template <typename A, typename B>
  void accumulate_grad(const A& a, const B& b) {
    q_.accumulate_grad(store_.grad(id_), a, b);
  }
  template <typename D>
  void accumulate_grad(const Eigen::MatrixBase<D>& d) {
    q_.accumulate_grad(store_.grad(id_), d);
  }

  int id() const { return id_; }
  const QuantizedTensor& quantized() const { return q_; }

 private:
  ParameterStore& store_;
  int id_;
  QuantizedTensor q_;
};

}  // namespace hitnet
