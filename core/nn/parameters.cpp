#include "core/nn/parameters.hpp"

#include <stdexcept>

namespace hitnet {

int ParameterStore::declare(const std::string& name, int rows, int cols) {
  if (allocated_)
    throw std::logic_error("ParameterStore: declare('" + name + "') after allocate()");
  std::size_t offset = params_.empty() ? 0 : params_.back().offset + params_.back().size();
  params_.push_back({name, rows, cols, offset});
  return static_cast<int>(params_.size()) - 1;
}

void ParameterStore::allocate() {
  std::size_t total = params_.empty() ? 0 : params_.back().offset + params_.back().size();
  values_ = Vector::Zero(static_cast<Eigen::Index>(total));
  grads_ = Vector::Zero(static_cast<Eigen::Index>(total));
  allocated_ = true;
}

MatrixMap ParameterStore::value(int id) {
  const auto& p = info(id);
  return MatrixMap(values_.data() + p.offset, p.rows, p.cols);
}

MatrixMap ParameterStore::grad(int id) {
  const auto& p = info(id);
  return MatrixMap(grads_.data() + p.offset, p.rows, p.cols);
}

ConstMatrixMap ParameterStore::value(int id) const {
  const auto& p = info(id);
  return ConstMatrixMap(values_.data() + p.offset, p.rows, p.cols);
}

}  // namespace hitnet
