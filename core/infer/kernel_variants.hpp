#pragma once
// Internal to the kernels: each instruction-set variant is one file that hands out its two
// products; ternary_kernels.cpp picks one. A variant not compiled for this architecture gives
// null.
#include <cstdint>

#include "core/infer/row_blocked_ternary.hpp"
#include "core/infer/ternary_kernels.hpp"
#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

struct KernelVariant {
  void (*ternary_times_ternary)(const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                                int32_t* out);
  // `blocked` is w in RowBlockedTernary layout when the variant uses it, else null.
  void (*ternary_times_float)(const TernaryMatrix& w, const RowBlockedTernary* blocked,
                              const float* x, int batch, float* out);
  bool uses_row_blocks = false;
};

const KernelVariant* portable_kernels();
const KernelVariant* avx2_kernels();
const KernelVariant* avx512_kernels(bool vpopcnt);

// The variant of `isa`; throws std::invalid_argument when this build or CPU does not have it.
const KernelVariant& kernel_variant(Isa isa);

}  // namespace hitnet::infer
