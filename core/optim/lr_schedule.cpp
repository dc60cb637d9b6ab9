#include "core/optim/lr_schedule.hpp"

#include <algorithm>

namespace hitnet {

void LrSchedule::end_epoch(int epoch, double valid_ppl) {
  const bool improved = best_valid_ == 0.0 || valid_ppl < best_valid_;
  if (improved) best_valid_ = valid_ppl;
  double next = lr_;
  if (cfg_.type == "decay" && epoch + 1 >= cfg_.decay_start) next = lr_ * cfg_.decay_factor;
  if (cfg_.type == "plateau" && !improved) next = lr_ * cfg_.plateau_factor;
  lr_ = std::max(next, cfg_.min_lr);
}

}  // namespace hitnet
