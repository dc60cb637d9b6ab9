#pragma once
// Every trainable tensor of a model lives in one flat buffer (and its gradient in a second one of
// the same layout). Layers keep handles and see their tensors as Eigen maps into the buffers, so
// the optimizer, gradient clipping and checkpoints each work on one vector.
#include <string>
#include <vector>

#include "core/util/blocks.hpp"
#include "core/util/tensor.hpp"

namespace hitnet {

struct ParameterInfo {
  std::string name;  // e.g. "lstm0.w_ih"
  int rows = 0, cols = 0;
  std::size_t offset = 0;
  std::size_t size() const { return static_cast<std::size_t>(rows) * cols; }
};

class ParameterStore {
 public:
  ParameterStore() = default;
  // Layers hold references to it, and a replica's owner_ points at it: never copied or moved.
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  // Declares a tensor; valid until allocate(). Returns its handle.
  int declare(const std::string& name, int rows, int cols);
  // Fixes the layout: allocates values and gradients (zeros).
  void allocate();

  MatrixMap value(int id);
  MatrixMap grad(int id);
  ConstMatrixMap value(int id) const;
  const ParameterInfo& info(int id) const { return params_.at(static_cast<std::size_t>(id)); }
  const std::vector<ParameterInfo>& all() const { return params_; }

  Vector& values() { return owner_->values_; }
  Vector& grads() { return grads_; }
  const Vector& values() const { return owner_->values_; }
  void zero_grads() {
    for_each_block(grads_.size(),
                   [&](Eigen::Index start, Eigen::Index n) { grads_.segment(start, n).setZero(); });
  }

  // From now on this store reads and writes `owner`'s values (same layout, checked) and keeps
  // only its own gradients: a replica of the model for data parallelism (core/nn/data_parallel).
  void share_values_of(ParameterStore& owner);

 private:
  std::vector<ParameterInfo> params_;
  Vector values_, grads_;
  ParameterStore* owner_ = this;  // whose values_ hold the values
  bool allocated_ = false;
};

}  // namespace hitnet
