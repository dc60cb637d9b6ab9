#include "core/nn/embedding.hpp"

namespace hitnet {

Embedding::Embedding(ParameterStore& store, int vocab, int dim)
    : store_(store), table_(store.declare("embedding.weight", vocab, dim)) {}

// The table is column-major, so a word's row is strided by the vocabulary (one cache line and,
// for a large vocabulary, one page per element). Both loops walk the table a column at a time
// instead: the window's ids then hit one contiguous column, which stays in cache.
void Embedding::forward(const int32_t* ids, int n, Matrix& out) const {
  auto w = store_.value(table_);
  out.resize(w.cols(), n);
  for (Eigen::Index d = 0; d < w.cols(); ++d) {
    const float* column = w.col(d).data();
    for (int k = 0; k < n; ++k) out(d, k) = column[ids[k]];
  }
}

void Embedding::backward(const int32_t* ids, int n, const Matrix& d_out) {
  auto g = store_.grad(table_);
  // Serial on purpose: a word repeated in the window adds into the same element, and a fixed
  // order (increasing k for every element, as a row at a time) keeps runs bit-for-bit
  // deterministic.
  for (Eigen::Index d = 0; d < g.cols(); ++d) {
    float* column = g.col(d).data();
    for (int k = 0; k < n; ++k) column[ids[k]] += d_out(d, k);
  }
}

}  // namespace hitnet
