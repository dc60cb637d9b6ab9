#pragma once
// A running point's progress, read from the lines hitnet-run prints when its stdout is not a
// terminal ("epoch 2/13 batch 400/1327 loss 4.85 ppl 127.3 tok/s 6100 eta 3m12s",
// "epoch 2/13 done: ... valid ppl 140.2 ...").
#include <string>

namespace hitnet {

struct PointProgress {
  int epoch = 0, epochs = 0, batch = 0, batches = 0;
  double train_ppl = -1, valid_ppl = -1;  // -1: not known yet
  double eta_s = -1;                      // of this run; -1: not known
};

// Updates `p` from one output line; false when the line says nothing about progress.
bool update_progress(PointProgress& p, const std::string& line);

// "3m12s", "1h04m", "12s" -> seconds; -1 for anything else.
double parse_duration(const std::string& text);

// "epoch 2/13 batch 400/1327 ppl 127.3 valid 140.2 eta 3m12s", for the sweep's status lines.
std::string describe(const PointProgress& p);

}  // namespace hitnet
