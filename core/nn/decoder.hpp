#pragma once
// The output layer: logits (vocab x n) = Q(W) h + b for every position of a window in one GEMM.
// W is (vocab x hidden); with tied weights it is the embedding table itself.
#include "core/nn/parameters.hpp"
#include "core/nn/quantized_param.hpp"

namespace hitnet {

class Decoder {
 public:
  // weight < 0 declares a new weight; otherwise uses that tensor (tied to the embedding).
  Decoder(ParameterStore& store, int vocab, int hidden, int tied_weight, QuantizerPtr weight_quant);
  Decoder(const Decoder&) = delete;  // holds views into the store
  Decoder& operator=(const Decoder&) = delete;
  void quantize_weights(Rng& rng, const Pass& pass);  // once per batch
  void forward(const Eigen::Ref<const Matrix>& h, Matrix& logits) const;
  // param grads += ; d_h = Q(W)^T d_logits
  void backward(const Eigen::Ref<const Matrix>& h, const Matrix& d_logits, Matrix& d_h);
  int weight() const { return weight_.id(); }
  const QuantizedTensor& quantized_weight() const { return weight_.quantized(); }

 private:
  ParameterStore& store_;
  QuantizedParam weight_;
  int bias_;
};

}  // namespace hitnet
