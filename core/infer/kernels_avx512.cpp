// AVX-512 kernels (x86-64 only), compiled with target attributes (see kernels_avx2.cpp).
//   ternary x ternary: 8 words (512 columns) at a time, the row's last words by a masked load;
//     popcount by VPOPCNTQ where the CPU has AVX512_VPOPCNTDQ (Ice Lake and later, Zen 4), else
//     by the nibble table on 512-bit registers (AVX512BW).
//   ternary x float: the AVX2 kernel (row blocks and vpermps lookups). A 512-bit version that
//     adds x under the planes' bits as mask registers was dropped: no AVX-512 machine here to
//     test or time it on.
#include "core/infer/kernel_variants.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#define HITNET_AVX512 __attribute__((target("avx512f,avx512bw")))
#define HITNET_AVX512_VPOPCNT __attribute__((target("avx512f,avx512bw,avx512vpopcntdq")))

namespace hitnet::infer {
namespace {

HITNET_AVX512 inline __m512i popcount_per_u64(__m512i v) {
  const __m512i nibble_counts =
      _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
  const __m512i low = _mm512_set1_epi8(0x0f);
  const __m512i lo = _mm512_and_si512(v, low);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
  const __m512i bytes = _mm512_add_epi8(_mm512_shuffle_epi8(nibble_counts, lo),
                                        _mm512_shuffle_epi8(nibble_counts, hi));
  return _mm512_sad_epu8(bytes, _mm512_setzero_si512());
}

HITNET_AVX512_VPOPCNT inline __m512i popcount_per_u64_vpopcnt(__m512i v) {
  return _mm512_popcnt_epi64(v);
}

// The words of a row from k on: 8, or fewer at the row's end (masked, nothing read past it).
HITNET_AVX512 inline __m512i load_words(const uint64_t* p, __mmask8 lanes) {
  return _mm512_maskz_loadu_epi64(lanes, p);
}

HITNET_AVX512 inline __mmask8 word_lanes(int k, int words) {
  return words - k >= 8 ? __mmask8(0xff) : __mmask8((1u << (words - k)) - 1);
}

HITNET_AVX512 inline __m512i agree(__m512i wp, __m512i wm, __m512i xp, __m512i xm) {
  return _mm512_or_si512(_mm512_and_si512(wp, xp), _mm512_and_si512(wm, xm));
}

HITNET_AVX512 inline __m512i differ(__m512i wp, __m512i wm, __m512i xp, __m512i xm) {
  return _mm512_or_si512(_mm512_and_si512(wp, xm), _mm512_and_si512(wm, xp));
}

// The two ternary x ternary variants differ only in the popcount they call.
#define HITNET_TERNARY_TIMES_TERNARY(POPCOUNT)                                                 \
  for (int r = 0; r < w.rows; ++r) {                                                           \
    const uint64_t *wp = w.plus_row(r), *wm = w.minus_row(r);                                  \
    for (int b = 0; b < batch; ++b) {                                                          \
      const uint64_t *xp = x.plus_of(b), *xm = x.minus_of(b);                                  \
      __m512i sum = _mm512_setzero_si512();                                                    \
      for (int k = 0; k < w.words; k += 8) {                                                   \
        const __mmask8 lanes = word_lanes(k, w.words);                                         \
        const __m512i a = load_words(wp + k, lanes), c = load_words(wm + k, lanes);            \
        const __m512i d = load_words(xp + k, lanes), e = load_words(xm + k, lanes);            \
        sum = _mm512_add_epi64(                                                                \
            sum, _mm512_sub_epi64(POPCOUNT(agree(a, c, d, e)), POPCOUNT(differ(a, c, d, e)))); \
      }                                                                                        \
      out[std::size_t(b) * w.rows + r] = int32_t(_mm512_reduce_add_epi64(sum));                \
    }                                                                                          \
  }

HITNET_AVX512 void ternary_times_ternary(const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                                         int32_t* out){
    HITNET_TERNARY_TIMES_TERNARY(popcount_per_u64)}

HITNET_AVX512_VPOPCNT
    void ternary_times_ternary_vpopcnt(const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                                       int32_t* out) {
  HITNET_TERNARY_TIMES_TERNARY(popcount_per_u64_vpopcnt)
}

#undef HITNET_TERNARY_TIMES_TERNARY

}  // namespace

const KernelVariant* avx512_kernels(bool vpopcnt) {
  // Float inputs: the AVX2 kernel (every AVX-512 CPU has AVX2), tested on any AVX2 machine.
  static const KernelVariant bw{ternary_times_ternary, avx2_kernels()->ternary_times_float, true};
  static const KernelVariant with_vpopcnt{ternary_times_ternary_vpopcnt,
                                          avx2_kernels()->ternary_times_float, true};
  return vpopcnt ? &with_vpopcnt : &bw;
}

}  // namespace hitnet::infer

#else

namespace hitnet::infer {
const KernelVariant* avx512_kernels(bool) {
  return nullptr;
}
}  // namespace hitnet::infer

#endif
