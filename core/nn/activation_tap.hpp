#pragma once
// A listener that layers tell about their activations after a forward pass, for histograms.
// Layers call it only when one is attached, so training without histograms pays nothing.
#include <string>

#include "core/util/tensor.hpp"

namespace hitnet {

class ActivationTap {
 public:
  virtual ~ActivationTap() = default;
  // `tensor` names the group ("lstm0.i", "embedding"), `stage` is "pre", "post" or "quantized".
  virtual void record(const std::string& tensor, const std::string& stage,
                      const Eigen::Ref<const Matrix>& values) = 0;
};

}  // namespace hitnet
