#pragma once
// Token ids -> vectors. The table is (vocab x dim), one row per word, so that a tied decoder
// can use the same tensor as its (vocab x hidden) weight without a transpose.
#include <cstdint>

#include "core/nn/parameters.hpp"

namespace hitnet {

class Embedding {
 public:
  Embedding(ParameterStore& store, int vocab, int dim);
  Embedding(const Embedding&) = delete;  // holds a handle into the store
  Embedding& operator=(const Embedding&) = delete;
  // out (dim x n) = table rows of ids[0..n)
  void forward(const int32_t* ids, int n, Matrix& out) const;
  // table gradient += scatter of d_out's columns to the rows of ids
  void backward(const int32_t* ids, int n, const Matrix& d_out);
  int table() const { return table_; }

 private:
  ParameterStore& store_;
  int table_;
};

}  // namespace hitnet
