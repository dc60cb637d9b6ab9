#pragma once
// Quantization of one activation group inside a recurrent step: rows [row, row+n) of every
// column of a (rows x batch) block, e.g. the input gate of an LSTM's stacked 4H x B gates.
// Quantizers work on contiguous memory, so the strided rows are gathered into a scratch matrix
// first; next to the step's GEMM that copy is noise.
#include "core/quant/quantizer.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

struct GateQuant {
  QuantizerPtr quantizer;  // null or identity: the group is not quantized
  bool active() const { return quantizer && !quantizer->identity(); }
};

// quantized.rows(row..row+n) = Q(post.rows(row..row+n)), mask likewise. `post` and `quantized`
// may be the same matrix (in-place). Must only be called when gq.active().
void quantize_rows(const GateQuant& gq, Eigen::Ref<const Matrix> post, Eigen::Ref<Matrix> quantized,
                   Eigen::Ref<Matrix> mask, Eigen::Index row, Eigen::Index n, Matrix& scratch,
                   Rng& rng, const Pass& pass);

// The same for one gate block of a layer whose gates are quantized as a whole: an inactive
// gate's rows are copied unchanged with a mask of ones.
void quantize_gate(const GateQuant& gq, Eigen::Ref<const Matrix> post, Eigen::Ref<Matrix> quantized,
                   Eigen::Ref<Matrix> mask, Eigen::Index row, Eigen::Index n, Matrix& scratch,
                   Rng& rng, const Pass& pass);

}  // namespace hitnet
