#pragma once
// Internal to the kernels: each instruction-set variant is one file that hands out its two
// products; ternary_kernels.cpp picks one. A variant not compiled for this architecture gives
// null.
#include <bit>
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

// Ternary x ternary one 64-bit word at a time: the portable kernel, and the vector variants'
// kernel for rows shorter than their vector (a half-empty register costs more than scalar
// popcounts there: 128 x 32 on Zen 3, 0.6 us scalar against 1.0 us AVX2). Inline, so that in a
// variant's function std::popcount is the POPCNT instruction its target includes.
inline void scalar_ternary_times_ternary(const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                                         int32_t* out) {
  for (int r = 0; r < w.rows; ++r) {
    const uint64_t *wp = w.plus_row(r), *wm = w.minus_row(r);
    for (int b = 0; b < batch; ++b) {
      const uint64_t *xp = x.plus_of(b), *xm = x.minus_of(b);
      int32_t sum = 0;
      for (int k = 0; k < w.words; ++k) {
        sum += std::popcount((wp[k] & xp[k]) | (wm[k] & xm[k]));  // +1·+1, -1·-1
        sum -= std::popcount((wp[k] & xm[k]) | (wm[k] & xp[k]));  // +1·-1, -1·+1
      }
      out[std::size_t(b) * w.rows + r] = sum;
    }
  }
}

const KernelVariant* portable_kernels();
const KernelVariant* avx2_kernels();
const KernelVariant* avx512_kernels(bool vpopcnt);

// The variant of `isa`; throws std::invalid_argument when this build or CPU does not have it.
const KernelVariant& kernel_variant(Isa isa);

}  // namespace hitnet::infer
