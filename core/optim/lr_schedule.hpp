#pragma once
// Learning-rate schedules, applied between epochs.
//   fixed:   lr stays the initial one
//   decay:   from epoch decay_start on, lr *= decay_factor every epoch (Zaremba et al.)
//   plateau: lr *= plateau_factor after an epoch whose validation perplexity did not improve on
//            the best so far (PyTorch word_language_model's "anneal")
#include "core/config/config.hpp"

namespace hitnet {

class LrSchedule {
 public:
  LrSchedule(const ScheduleConfig& cfg, double initial_lr) : cfg_(cfg), lr_(initial_lr) {}
  double lr() const { return lr_; }
  // Called after epoch `epoch` (1-based) with its validation perplexity; sets the next lr.
  void end_epoch(int epoch, double valid_ppl);

  // Its state (lr and best valid so far), for checkpoints (core/io/checkpoint_archive.hpp).
  template <class Archive>
  void visit(Archive& a) {
    a("schedule.lr", lr_);
    a("schedule.best_valid", best_valid_);
  }

 private:
  ScheduleConfig cfg_;
  double lr_;
  double best_valid_ = 0.0;  // 0 = none yet
};

}  // namespace hitnet
