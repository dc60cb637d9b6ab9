#include "core/nn/data_parallel.hpp"

#include <cmath>
#include <exception>
#include <stdexcept>

#include "core/util/blocks.hpp"

namespace hitnet {

DataParallel::DataParallel(LanguageModel& model,
                           std::vector<std::unique_ptr<LanguageModel>> replicas)
    : model_(model), replicas_(std::move(replicas)) {
  slices_.resize(replicas_.size() + 1);
  slices_[0].model = &model_;
  for (std::size_t k = 0; k < replicas_.size(); ++k) {
    replicas_[k]->parameters().share_values_of(model_.parameters());
    replicas_[k]->parameters().zero_grads();  // and kept at zero between steps
    slices_[k + 1].model = replicas_[k].get();
  }
}

void DataParallel::split(const Window& w, const ModelState& state, Rng& rng) {
  const int n = slices();
  if (w.batch < n) throw std::invalid_argument("DataParallel: fewer streams than slices");
  for (int k = 0; k < n; ++k) {  // streams k·batch/n ... of the step-major window
    Slice& s = slices_[std::size_t(k)];
    s.seed = rng();
    s.first = k * w.batch / n, s.count = (k + 1) * w.batch / n - s.first;
    s.inputs.resize(std::size_t(w.len) * s.count), s.targets.resize(s.inputs.size());
    for (int t = 0; t < w.len; ++t)
      for (int j = 0; j < s.count; ++j) {
        const std::size_t from = std::size_t(t) * w.batch + s.first + j;
        s.inputs[std::size_t(t) * s.count + j] = w.inputs[from];
        s.targets[std::size_t(t) * s.count + j] = w.targets[from];
      }
    s.window = {w.len, s.count, s.inputs.data(), s.targets.data()};
    s.state.resize(state.size());
    for (std::size_t l = 0; l < state.size(); ++l) {
      s.state[l].h = state[l].h.middleCols(s.first, s.count);
      s.state[l].c = state[l].c.size() ? Matrix(state[l].c.middleCols(s.first, s.count)) : Matrix();
    }
  }
}

template <typename Work>
double DataParallel::run(Work work) {
  // One slice per thread; GEMMs and loops inside run on that thread alone (nested regions are
  // off, and OpenBLAS's OpenMP build runs single-threaded inside a parallel region).
  const int n = slices();
  std::exception_ptr failure;
#pragma omp parallel for num_threads(n) schedule(static, 1)
  for (int k = 0; k < n; ++k) {
    try {
      Slice& s = slices_[std::size_t(k)];
      Rng rng(s.seed);
      s.nll = work(k, s, rng);
    } catch (...) {
#pragma omp critical(data_parallel_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  double nll = 0;
  for (const Slice& s : slices_) nll += s.nll;
  return nll;
}

void DataParallel::join(ModelState& state) const {
  for (const Slice& s : slices_)
    for (std::size_t l = 0; l < state.size(); ++l) {
      state[l].h.middleCols(s.first, s.count) = s.state[l].h;
      if (state[l].c.size()) state[l].c.middleCols(s.first, s.count) = s.state[l].c;
    }
}

double DataParallel::forward_backward(const Window& w, ModelState& state, Rng& rng,
                                      float grad_scale, PhaseClock* clock) {
  split(w, state, rng);
  double nll = 0;
  try {
    nll = run([&](int k, Slice& s, Rng& slice_rng) {
      return s.model->forward_backward(s.window, s.state, slice_rng, grad_scale,
                                       k == 0 ? clock : nullptr);
    });
  } catch (...) {
    for (const auto& replica : replicas_) replica->parameters().zero_grads();  // as promised
    throw;
  }
  join(state);
  // One pass sums the replicas' gradients into the model's, leaves the replicas' at zero for the
  // next step and measures the total's norm for clipping: three passes over every parameter in
  // one.
  Vector& total = model_.parameters().grads();
  const double squared_norm =
      sum_over_blocks(total.size(), [&](Eigen::Index start, Eigen::Index n) {
        auto sum = total.segment(start, n);
        for (const auto& replica : replicas_) {
          auto part = replica->parameters().grads().segment(start, n);
          sum += part;
          part.setZero();
        }
        return static_cast<double>(sum.squaredNorm());
      });
  grad_norm_ = std::sqrt(squared_norm);
  if (clock) clock->lap(Phase::kGradientSum);
  return nll;
}

double DataParallel::evaluate(const Window& w, ModelState& state, Rng& rng, const Pass& pass) {
  split(w, state, rng);
  const double nll = run([&](int, Slice& s, Rng& slice_rng) {
    return s.model->evaluate(s.window, s.state, slice_rng, pass);
  });
  join(state);
  return nll;
}

}  // namespace hitnet
