#include "core/nn/decoder.hpp"

#include "core/nn/affine.hpp"

namespace hitnet {

Decoder::Decoder(ParameterStore& store, int vocab, int hidden, int tied_weight,
                 QuantizerPtr weight_quant)
    : store_(store),
      weight_(store,
              tied_weight >= 0 ? tied_weight : store.declare("decoder.weight", vocab, hidden),
              std::move(weight_quant)),
      bias_(store.declare("decoder.bias", vocab, 1)) {}

void Decoder::quantize_weights(Rng& rng, const Pass& pass) {
  weight_.quantize(rng, pass);
}

void Decoder::forward(const Eigen::Ref<const Matrix>& h, Matrix& logits) const {
  affine(weight_.values(), h, store_.value(bias_).col(0), logits);
}

void Decoder::backward(const Eigen::Ref<const Matrix>& h, const Matrix& d_logits, Matrix& d_h) {
  weight_.accumulate_grad(d_logits, h);
  store_.grad(bias_).col(0) += d_logits.rowwise().sum();
  d_h.noalias() = weight_.values().transpose() * d_logits;
}

}  // namespace hitnet
