#include "core/nn/embedding.hpp"

namespace hitnet {

Embedding::Embedding(ParameterStore& store, int vocab, int dim)
    : store_(store), table_(store.declare("embedding.weight", vocab, dim)) {}

void Embedding::forward(const int32_t* ids, int n, Matrix& out) const {
  auto w = store_.value(table_);
  out.resize(w.cols(), n);
  for (int k = 0; k < n; ++k) out.col(k) = w.row(ids[k]).transpose();
}

void Embedding::backward(const int32_t* ids, int n, const Matrix& d_out) {
  auto g = store_.grad(table_);
  // Serial on purpose: a word repeated in the window adds into the same row, and a fixed order
  // keeps runs bit-for-bit deterministic.
  for (int k = 0; k < n; ++k) g.row(ids[k]) += d_out.col(k).transpose();
}

}  // namespace hitnet
