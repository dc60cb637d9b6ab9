// Objects that hold views or references into another (layers into the parameter store, the
// training step into the model, a reader into its checkpoint) cannot be copied or moved: a copy
// would keep pointing into the original. Checked at compile time.
#include <catch2/catch.hpp>
#include <type_traits>

#include "core/io/checkpoint_archive.hpp"
#include "core/nn/data_parallel.hpp"
#include "core/nn/decoder.hpp"
#include "core/nn/embedding.hpp"
#include "core/nn/language_model.hpp"
#include "core/nn/parameters.hpp"
#include "core/nn/quantized_param.hpp"
#include "core/nn/quantized_tensor.hpp"
#include "core/nn/recurrent_layer.hpp"
#include "experiments/lib/train_step.hpp"

using namespace hitnet;

namespace {
template <class T>
constexpr bool pinned = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                        !std::is_move_constructible_v<T> && !std::is_move_assignable_v<T>;
}  // namespace

TEST_CASE("classes holding views or references can be neither copied nor moved", "[structure]") {
  static_assert(pinned<ParameterStore>);
  static_assert(pinned<QuantizedTensor>);
  static_assert(pinned<QuantizedParam>);
  static_assert(pinned<Embedding>);
  static_assert(pinned<Decoder>);
  static_assert(pinned<RecurrentLayer>);
  static_assert(pinned<LanguageModel>);
  static_assert(pinned<DataParallel>);
  static_assert(pinned<TrainStep>);
  static_assert(pinned<CheckpointReader>);
  SUCCEED("checked at compile time");
}
