#pragma once
// The one exception type of the data layer.
#include <stdexcept>

namespace hitnet {

// Any problem with data files or with batching a split: the message names the file (when there is
// one) and says what was expected.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hitnet
