#pragma once
// Softmax cross-entropy over the vocabulary for every column of a logits matrix.
#include <cstdint>

#include "core/util/tensor.hpp"

namespace hitnet {

// Returns the summed negative log-likelihood (nats) of targets. Consumes `logits`: afterwards
// they hold d(loss * grad_scale)/d(logits) = grad_scale * (softmax - onehot) (with grad_scale 0,
// unnormalised probabilities, of no use).
// Columns are independent and run in parallel; the sum is taken in column order afterwards so
// the result does not depend on the thread count.
double softmax_cross_entropy(Matrix& logits, const int32_t* targets, float grad_scale);

}  // namespace hitnet
