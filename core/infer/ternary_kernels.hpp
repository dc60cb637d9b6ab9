#pragma once
// The products of a ternary weight matrix (TernaryMatrix: bit planes, scale left out) with a
// batch of activation vectors, without a single multiplication:
//   ternary x ternary   out = T·x as exact integers: per 64 columns two ANDs, two ORs and two
//                       popcounts (agreements minus disagreements, see ternary_matrix.hpp)
//   ternary x float     out = T·x as sums and differences of the x values T selects
// The caller multiplies the result by the matrix's scale α once per output.
//
// Each product has a portable version and, on x86-64, AVX2 and AVX-512 versions (the latter
// with the VPOPCNTDQ popcount where the CPU has it), compiled with target attributes so that one
// binary runs everywhere and picks the best its CPU supports at run time.
#include <cstdint>
#include <vector>

#include "core/infer/ternary_matrix.hpp"

namespace hitnet::infer {

enum class Isa {
  kPortable,       // plain C++ (std::popcount; ctz loops over the set bits)
  kAvx2,           // 256-bit: nibble-table popcount, lane masks from a byte table
  kAvx512,         // AVX-512F/BW: 512-bit nibble-table popcount, mask-register adds
  kAvx512Vpopcnt,  // the above with the VPOPCNTDQ popcount instruction
};

const char* isa_name(Isa isa);  // "portable", "avx2", "avx512", "avx512-vpopcnt"
// Compiled into this build and supported by the CPU (and OS) it runs on.
bool isa_supported(Isa isa);
Isa best_isa();
std::vector<Isa> supported_isas();

// For b < batch, r < w.rows: out[b * w.rows + r] = Σ_c T(r, c) · x_b(c), where vector b of `x`
// (x.words == w.words) holds exactly -1, 0, +1 values.
void ternary_times_ternary(Isa isa, const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                           int32_t* out);
// The same for float vectors: x_b(c) = x[b * w.cols + c].
void ternary_times_float(Isa isa, const TernaryMatrix& w, const float* x, int batch, float* out);

}  // namespace hitnet::infer
