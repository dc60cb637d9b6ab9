#pragma once
// Batchify a token stream into `batch` parallel streams and walk it in truncated-BPTT windows.
#include <cstdint>
#include <vector>

namespace hitnet {

// A window of `len` time steps for `batch` streams. inputs[t * batch + b] is the token at step t
// of stream b, targets[...] the token that follows it. This is the column order of the model's
// activations (column t*batch + b), so no reshuffle is needed.
struct Window {
  int len = 0;
  int batch = 0;
  const int32_t* inputs = nullptr;
  const int32_t* targets = nullptr;
};

// Stream-major storage of a split: `batch` equal streams, the tail that does not fill a whole
// step is dropped (at most batch-1 tokens, as every PTB loader does). Windows have `bptt`
// steps; the last one is shorter when the steps do not divide evenly (it is kept, not dropped).
class BatchedSplit {
 public:
  BatchedSplit(const std::vector<int32_t>& tokens, int batch, int bptt);
  int num_windows() const;
  Window window(int index) const;
  int batch() const { return batch_; }
  int bptt() const { return bptt_; }
  int steps() const { return steps_; }  // time steps of input (tokens per stream minus one)
  long long tokens_per_epoch() const { return static_cast<long long>(steps_) * batch_; }

 private:
  int batch_, bptt_, steps_;
  std::vector<int32_t> data_;  // (steps_ + 1) x batch_, step-major: data_[t * batch_ + b]
};

}  // namespace hitnet
