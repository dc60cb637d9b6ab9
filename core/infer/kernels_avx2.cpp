// AVX2 kernels (x86-64 only), compiled with a target attribute so that the rest of the build
// needs no AVX2 flag and a CPU without it never reaches this code (ternary_kernels.cpp checks).
//   ternary x ternary: 4 words (256 columns) at a time; AVX2 has no popcount instruction, so
//     bytes are counted by a 16-entry nibble table (vpshufb) and summed per 64-bit lane (vpsadbw).
//   ternary x float: the portable table-lookup kernel. Masking x by the planes 8 lanes at a
//     time (a lane-mask table indexed by plane bytes, AND, add) was 3-5x slower than it here:
//     building each mask costs more than the additions it selects.
#include "core/infer/kernel_variants.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#define HITNET_AVX2 __attribute__((target("avx2")))

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

}  // namespace

const KernelVariant* avx2_kernels() {
  static const KernelVariant variant{ternary_times_ternary,
                                     portable_kernels()->ternary_times_float};
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
