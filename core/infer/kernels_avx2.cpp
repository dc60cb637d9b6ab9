// AVX2 kernels (x86-64 only), compiled with a target attribute so that the rest of the build
// needs no AVX2 flag and a CPU without it never reaches this code (ternary_kernels.cpp checks).
//   ternary x ternary: 4 words (256 columns) at a time; AVX2 has no popcount instruction, so
//     bytes are counted by a 16-entry nibble table (vpshufb) and summed per 64-bit lane (vpsadbw).
//     Rows of fewer than 4 words: scalar POPCNT (kernel_variants.hpp).
//   ternary x float: on the row-blocked layout (row_blocked_ternary.hpp), 8 rows x 3 columns per
//     vpermps lookup in the table of the 3 inputs' subset sums. Measured at 1200 x 300 on Zen 3:
//     1.3-1.5x faster than the portable byte tables, which were about 2x faster than masking
//     x by the planes 8 lanes at a time (turning bits into lane masks costs more than the adds).
#include "core/infer/kernel_variants.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <vector>

#define HITNET_AVX2 __attribute__((target("avx2,popcnt")))

namespace hitnet::infer {
namespace {

HITNET_AVX2 inline __m256i popcount_per_u64(__m256i v) {
  const __m256i nibble_counts = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                                 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  const __m256i bytes = _mm256_add_epi8(_mm256_shuffle_epi8(nibble_counts, lo),
                                        _mm256_shuffle_epi8(nibble_counts, hi));
  return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
}

// Per 64-bit lane: agreements minus disagreements of a weight and an activation word.
HITNET_AVX2 inline __m256i signed_matches(__m256i wp, __m256i wm, __m256i xp, __m256i xm) {
  const __m256i agree = _mm256_or_si256(_mm256_and_si256(wp, xp), _mm256_and_si256(wm, xm));
  const __m256i differ = _mm256_or_si256(_mm256_and_si256(wp, xm), _mm256_and_si256(wm, xp));
  return _mm256_sub_epi64(popcount_per_u64(agree), popcount_per_u64(differ));
}

HITNET_AVX2 inline __m256i load_words(const uint64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

HITNET_AVX2 inline __m256i load_words(const uint64_t* p, __m256i lanes) {
  return _mm256_maskload_epi64(reinterpret_cast<const long long*>(p), lanes);
}

HITNET_AVX2 void ternary_times_ternary(const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                                       int32_t* out) {
  if (w.words < 4) return scalar_ternary_times_ternary(w, x, batch, out);
  const int full = w.words / 4 * 4;
  const __m256i tail =
      _mm256_cmpgt_epi64(_mm256_set1_epi64x(w.words - full), _mm256_setr_epi64x(0, 1, 2, 3));
  for (int r = 0; r < w.rows; ++r) {
    const uint64_t *wp = w.plus_row(r), *wm = w.minus_row(r);
    for (int b = 0; b < batch; ++b) {
      const uint64_t *xp = x.plus_of(b), *xm = x.minus_of(b);
      __m256i sum = _mm256_setzero_si256();
      for (int k = 0; k < full; k += 4)
        sum = _mm256_add_epi64(sum, signed_matches(load_words(wp + k), load_words(wm + k),
                                                   load_words(xp + k), load_words(xm + k)));
      if (full < w.words)
        sum = _mm256_add_epi64(
            sum, signed_matches(load_words(wp + full, tail), load_words(wm + full, tail),
                                load_words(xp + full, tail), load_words(xm + full, tail)));
      const __m128i half =
          _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
      out[std::size_t(b) * w.rows + r] =
          int32_t(_mm_cvtsi128_si64(half) + _mm_extract_epi64(half, 1));
    }
  }
}

// The 8 sums of the subsets of 3 values (index bit j: value j), the lookup table of a group.
inline void subset_sums(const float* v, float* t) {
  t[0] = 0.0f, t[1] = v[0], t[2] = v[1], t[3] = v[0] + v[1];
  t[4] = v[2], t[5] = v[0] + v[2], t[6] = v[1] + v[2], t[7] = t[3] + v[2];
}

// The indices of 8 rows in one group: nibble i of the word into lane i (vpermps reads the low
// 3 bits of each lane and ignores the rest).
HITNET_AVX2 inline __m256i row_indices(uint32_t word) {
  return _mm256_srlv_epi32(_mm256_set1_epi32(int(word)),
                           _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
}

HITNET_AVX2 void ternary_times_float(const TernaryMatrix& w, const RowBlockedTernary* blocked,
                                     const float* x, int batch, float* out) {
  const RowBlockedTernary& m = *blocked;
  thread_local std::vector<float> tables;  // groups x 8, reused across calls
  tables.resize(std::size_t(m.groups) * 8);
  for (int b = 0; b < batch; ++b) {
    const float* xb = x + std::size_t(b) * w.cols;
    for (int g = 0; g < m.groups; ++g) {
      float v[3] = {};  // the last group's columns past the end count as 0
      for (int j = 0; j < 3 && 3 * g + j < w.cols; ++j) v[j] = xb[3 * g + j];
      subset_sums(v, tables.data() + std::size_t(g) * 8);
    }
    float* ob = out + std::size_t(b) * w.rows;
    for (int block = 0; block < m.blocks; ++block) {
      const uint32_t *plus = m.plus_block(block), *minus = m.minus_block(block);
      const float* table = tables.data();
      // Two groups per iteration into independent sums, so the adds do not wait on each other.
      __m256 p0 = _mm256_setzero_ps(), p1 = p0, m0 = p0, m1 = p0;
      int g = 0;
      for (; g + 2 <= m.groups; g += 2, table += 16) {
        const __m256 t0 = _mm256_loadu_ps(table), t1 = _mm256_loadu_ps(table + 8);
        p0 = _mm256_add_ps(p0, _mm256_permutevar8x32_ps(t0, row_indices(plus[g])));
        m0 = _mm256_add_ps(m0, _mm256_permutevar8x32_ps(t0, row_indices(minus[g])));
        p1 = _mm256_add_ps(p1, _mm256_permutevar8x32_ps(t1, row_indices(plus[g + 1])));
        m1 = _mm256_add_ps(m1, _mm256_permutevar8x32_ps(t1, row_indices(minus[g + 1])));
      }
      if (g < m.groups) {
        const __m256 t0 = _mm256_loadu_ps(table);
        p0 = _mm256_add_ps(p0, _mm256_permutevar8x32_ps(t0, row_indices(plus[g])));
        m0 = _mm256_add_ps(m0, _mm256_permutevar8x32_ps(t0, row_indices(minus[g])));
      }
      const __m256 sums = _mm256_sub_ps(_mm256_add_ps(p0, p1), _mm256_add_ps(m0, m1));
      const int rows = std::min(8, w.rows - 8 * block);
      if (rows == 8) {
        _mm256_storeu_ps(ob + 8 * block, sums);
      } else {  // the last block's lanes past the last row are not stored
        float lanes[8];
        _mm256_storeu_ps(lanes, sums);
        std::copy(lanes, lanes + rows, ob + 8 * block);
      }
    }
  }
}

}  // namespace

const KernelVariant* avx2_kernels() {
  static const KernelVariant variant{ternary_times_ternary, ternary_times_float, true};
  return &variant;
}

}  // namespace hitnet::infer

#else

namespace hitnet::infer {
const KernelVariant* avx2_kernels() {
  return nullptr;
}
}  // namespace hitnet::infer

#endif
