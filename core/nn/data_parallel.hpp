#pragma once
// Data parallelism over the cores for one training step: the window's streams are split into
// contiguous slices, one per model replica, and each replica runs forward and backward on its
// slice on one core. Every replica reads the model's parameter values (shared, not copied) and
// accumulates into a gradient buffer of its own; the buffers are then summed into the model's,
// where clipping and the update see one gradient as before.
//
// Why: on a few cores this beats splitting every product over them. The recurrent step's
// products (4·300 × 300 by 300 × 20, 35 times per window) are too small to split well and the
// element-wise work hardly scales, while each core's half of the decoder GEMMs is still large.
// The sum over the window is the same; what changes is the order of floating-point additions and
// the random draws (each slice its own dropout masks and stochastic quantizer samples, from a
// seed drawn from the step's Rng), so results depend on the slice count, as on the thread count.
#include <memory>
#include <vector>

#include "core/nn/language_model.hpp"

namespace hitnet {

class DataParallel {
 public:
  // `replicas`: models of the same shape and quantizers as `model` (build_model of the same
  // config); each is made to read `model`'s values. `model` runs slice 0, replica k slice k+1.
  DataParallel(LanguageModel& model, std::vector<std::unique_ptr<LanguageModel>> replicas);
  DataParallel(const DataParallel&) = delete;  // refers to the model
  DataParallel& operator=(const DataParallel&) = delete;

  int slices() const { return static_cast<int>(slices_.size()); }

  // LanguageModel::forward_backward over the whole window (batch >= slices()), one slice per
  // thread: the summed negative log-likelihood, and the gradients of (loss * grad_scale) added
  // to the model's. `state` carries every stream as before. `clock` sees slice 0's phases, then
  // the wait for the others and the sum (Phase::kGradientSum).
  double forward_backward(const Window& w, ModelState& state, Rng& rng, float grad_scale,
                          PhaseClock* clock);
  // The global L2 norm of the model's gradient after the last forward_backward, measured while
  // summing it (blockwise, so it differs from global_norm(grads) in the last bits).
  double grad_norm() const { return grad_norm_; }
  // LanguageModel::evaluate over the whole window, one slice per thread: the summed negative
  // log-likelihood.
  double evaluate(const Window& w, ModelState& state, Rng& rng,
                  const Pass& pass = Pass::evaluate());

 private:
  struct Slice {
    LanguageModel* model = nullptr;
    int first = 0, count = 0;  // the streams [first, first + count) of the window
    std::vector<int32_t> inputs, targets;
    Window window;  // over inputs and targets
    ModelState state;
    Rng::result_type seed = 0;  // of the slice's own generator, drawn from the step's
    double nll = 0;
  };
  // The window's streams and their state into the slices, each with a seed drawn from `rng`.
  void split(const Window& w, const ModelState& state, Rng& rng);
  // work(k, slice, its generator) -> its nll on every slice at once; their sum.
  template <typename Work>
  double run(Work work);
  // The slices' carried state back into the window's.
  void join(ModelState& state) const;

  LanguageModel& model_;
  std::vector<std::unique_ptr<LanguageModel>> replicas_;
  std::vector<Slice> slices_;
  double grad_norm_ = 0;
};

}  // namespace hitnet
