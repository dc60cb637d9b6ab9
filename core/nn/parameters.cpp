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

void ParameterStore::share_values_of(ParameterStore& owner) {
  bool same = allocated_ && owner.allocated_ && params_.size() == owner.params_.size();
  for (std::size_t k = 0; same && k < params_.size(); ++k)
    same = params_[k].name == owner.params_[k].name && params_[k].rows == owner.params_[k].rows &&
           params_[k].cols == owner.params_[k].cols;
  if (!same) throw std::logic_error("ParameterStore: a replica needs the owner's layout");
  owner_ = owner.owner_;
  values_ = Vector();  // never read again
}

MatrixMap ParameterStore::value(int id) {
  const auto& p = info(id);
  return MatrixMap(values().data() + p.offset, p.rows, p.cols);
}

MatrixMap ParameterStore::grad(int id) {
  const auto& p = info(id);
  return MatrixMap(grads_.data() + p.offset, p.rows, p.cols);
}

ConstMatrixMap ParameterStore::value(int id) const {
  const auto& p = info(id);
  return ConstMatrixMap(values().data() + p.offset, p.rows, p.cols);
}

}  // namespace hitnet
