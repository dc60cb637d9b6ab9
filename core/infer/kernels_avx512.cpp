// AVX-512 kernels (x86-64 only), compiled with target attributes (see kernels_avx2.cpp).
//   ternary x ternary: 8 words (512 columns) at a time, the row's last words by a masked load;
//     popcount by VPOPCNTQ where the CPU has AVX512_VPOPCNTDQ (Ice Lake and later, Zen 4), else
//     by the nibble table on 512-bit registers (AVX512BW).
//   ternary x float: 16 columns at a time; the 16 bits of each bit plane that cover them are
//     mask registers, so x is added (+1 plane) and subtracted (-1 plane) under those masks.
#include "core/infer/kernel_variants.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

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

// Bits c .. c+15 of a row's plane (c a multiple of 16; little-endian words).
HITNET_AVX512 inline __mmask16 column_mask(const uint64_t* row, int c) {
  uint16_t bits;
  std::memcpy(&bits, reinterpret_cast<const unsigned char*>(row) + c / 8, sizeof bits);
  return __mmask16(bits);
}

HITNET_AVX512 void ternary_times_float(const TernaryMatrix& w, const float* x, int batch,
                                       float* out) {
  const int full32 = w.cols / 32 * 32;
  for (int r = 0; r < w.rows; ++r) {
    const uint64_t *wp = w.plus_row(r), *wm = w.minus_row(r);
    for (int b = 0; b < batch; ++b) {
      const float* xb = x + std::size_t(b) * w.cols;
      // Two independent sums (each takes adds and subtracts) so they do not wait on each other.
      __m512 s0 = _mm512_setzero_ps(), s1 = s0;
      int c = 0;
      for (; c < full32; c += 32) {
        const __m512 x0 = _mm512_loadu_ps(xb + c), x1 = _mm512_loadu_ps(xb + c + 16);
        s0 = _mm512_mask_add_ps(s0, column_mask(wp, c), s0, x0);
        s1 = _mm512_mask_add_ps(s1, column_mask(wp, c + 16), s1, x1);
        s0 = _mm512_mask_sub_ps(s0, column_mask(wm, c), s0, x0);
        s1 = _mm512_mask_sub_ps(s1, column_mask(wm, c + 16), s1, x1);
      }
      for (; c < w.cols; c += 16) {
        const int n = w.cols - c;
        const __mmask16 valid = n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
        const __m512 xc = _mm512_maskz_loadu_ps(valid, xb + c);
        s0 = _mm512_mask_add_ps(s0, column_mask(wp, c), s0, xc);
        s0 = _mm512_mask_sub_ps(s0, column_mask(wm, c), s0, xc);
      }
      out[std::size_t(b) * w.rows + r] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    }
  }
}

}  // namespace

const KernelVariant* avx512_kernels(bool vpopcnt) {
  static const KernelVariant bw{ternary_times_ternary, ternary_times_float};
  static const KernelVariant with_vpopcnt{ternary_times_ternary_vpopcnt, ternary_times_float};
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
