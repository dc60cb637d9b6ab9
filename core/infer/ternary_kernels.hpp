#pragma once
// The products of a ternary weight matrix (TernaryMatrix: bit planes, scale left out) with a
// batch of activation vectors, without a single multiplication:
//   ternary x ternary   out = T·x as exact integers: per 64 columns two ANDs, two ORs and two
//                       popcounts (agreements minus disagreements, see ternary_matrix.hpp)
//   ternary x float     out = T·x as sums and differences of the x values T selects, looked
//                       up in tables of subset sums of x (portable: 8 columns per lookup and
//                       row; vector variants: 3 columns for 8 rows per permute)
// The caller multiplies each output by its row's scale α (scaled_ternary_product.hpp).
//
// Each product has a portable version and, on x86-64, AVX2 and AVX-512 versions (the latter
// with the VPOPCNTDQ popcount where the CPU has it), compiled with target attributes so that one
// binary runs everywhere and picks the best its CPU supports at run time.
#include <cstdint>
#include <vector>

#include "core/infer/row_blocked_ternary.hpp"
#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

enum class Isa {
  kPortable,       // plain C++: std::popcount; byte-indexed subset-sum tables
  kAvx2,           // 256-bit nibble-table popcount; vpermps lookups in row blocks
  kAvx512,         // AVX-512F/BW: 512-bit nibble-table popcount; float inputs as AVX2
  kAvx512Vpopcnt,  // the above with the VPOPCNTDQ popcount instruction
};

const char* isa_name(Isa isa);  // "portable", "avx2", "avx512", "avx512-vpopcnt"
// Compiled into this build and supported by the CPU (and OS) it runs on.
bool isa_supported(Isa isa);
Isa best_isa();
std::vector<Isa> supported_isas();

struct KernelVariant;  // kernel_variants.hpp

// For b < batch, r < w.rows: out[b * w.rows + r] = Σ_c T(r, c) · x_b(c), where vector b of `x`
// (x.words == w.words) holds exactly -1, 0, +1 values.
void ternary_times_ternary(Isa isa, const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                           int32_t* out);

// The same for float vectors, x_b(c) = x[b * w.cols + c], with the matrix prepared once in the
// layout the variant multiplies floats in (RowBlockedTernary for the vector variants).
class TernaryFloatProduct {
 public:
  TernaryFloatProduct(Isa isa, const TernaryMatrix& w);  // `w` must outlive this
  void operator()(const float* x, int batch, float* out) const;

 private:
  const KernelVariant* variant_;
  const TernaryMatrix* w_;
  RowBlockedTernary blocked_;
};
// One product, preparing the layout for it alone (tests; a session prepares once).
void ternary_times_float(Isa isa, const TernaryMatrix& w, const float* x, int batch, float* out);

}  // namespace hitnet::infer
