#include "core/data/batches.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/data/error.hpp"

namespace hitnet {

BatchedSplit::BatchedSplit(const std::vector<int32_t>& tokens, int batch, int bptt)
    : batch_(batch), bptt_(bptt), steps_(0) {
  if (batch < 1 || bptt < 1)
    throw DataError("batching: batch size and bptt must be at least 1 (got batch " +
                    std::to_string(batch) + ", bptt " + std::to_string(bptt) + ")");
  // Stream b is the contiguous slice tokens[b*len, (b+1)*len): each stream reads the text in order,
  // so the hidden state carried from one window to the next sees a continuous history.
  const size_t len = tokens.size() / static_cast<size_t>(batch);
  if (len < 2)
    throw DataError("batching: " + std::to_string(tokens.size()) + " tokens cannot fill " +
                    std::to_string(batch) +
                    " streams of at least 2 tokens (one input and its target) each");
  steps_ = static_cast<int>(len - 1);
  data_.resize(len * static_cast<size_t>(batch));
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b)
    for (size_t t = 0; t < len; ++t) data_[t * batch + b] = tokens[b * len + t];
}

int BatchedSplit::num_windows() const {
  return (steps_ + bptt_ - 1) / bptt_;
}

Window BatchedSplit::window(int index) const {
  if (index < 0 || index >= num_windows())
    throw std::out_of_range("BatchedSplit::window: index " + std::to_string(index) +
                            " outside [0, " + std::to_string(num_windows()) + ")");
  const int start = index * bptt_;
  Window w;
  w.len = std::min(bptt_, steps_ - start);
  w.batch = batch_;
  w.inputs = data_.data() + static_cast<size_t>(start) * batch_;
  w.targets = w.inputs + batch_;  // step-major storage: the next step is `batch_` further on
  return w;
}

}  // namespace hitnet
