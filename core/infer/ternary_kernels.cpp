#include "core/infer/ternary_kernels.hpp"

#include <stdexcept>
#include <string>

#include "core/infer/kernel_variants.hpp"

namespace hitnet::infer {
namespace {

bool cpu_has(Isa isa) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kPortable:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    case Isa::kAvx512Vpopcnt:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vpopcntdq");
  }
  return false;
#else
  return isa == Isa::kPortable;
#endif
}

const KernelVariant* variant(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return portable_kernels();
    case Isa::kAvx2:
      return avx2_kernels();
    case Isa::kAvx512:
      return avx512_kernels(false);
    case Isa::kAvx512Vpopcnt:
      return avx512_kernels(true);
  }
  return nullptr;
}

}  // namespace

const KernelVariant& kernel_variant(Isa isa) {
  const KernelVariant* v = isa_supported(isa) ? variant(isa) : nullptr;
  if (!v)
    throw std::invalid_argument(std::string("ternary kernels: ") + isa_name(isa) +
                                " is not supported on this CPU or build");
  return *v;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx512Vpopcnt:
      return "avx512-vpopcnt";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  return variant(isa) != nullptr && cpu_has(isa);
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vpopcnt})
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

Isa best_isa() {
  return supported_isas().back();  // listed from least to most capable; portable always there
}

void ternary_times_ternary(Isa isa, const TernaryMatrix& w, const TernaryPlanes& x, int batch,
                           int32_t* out) {
  if (x.words != w.words)
    throw std::invalid_argument("ternary_times_ternary: activation vectors of " +
                                std::to_string(x.words) + " words, the matrix has " +
                                std::to_string(w.words));
  kernel_variant(isa).ternary_times_ternary(w, x, batch, out);
}

TernaryFloatProduct::TernaryFloatProduct(Isa isa, const TernaryMatrix& w)
    : variant_(&kernel_variant(isa)), w_(&w) {
  if (variant_->uses_row_blocks) blocked_ = RowBlockedTernary::from(w);
}

void TernaryFloatProduct::operator()(const float* x, int batch, float* out) const {
  variant_->ternary_times_float(*w_, variant_->uses_row_blocks ? &blocked_ : nullptr, x, batch,
                                out);
}

void ternary_times_float(Isa isa, const TernaryMatrix& w, const float* x, int batch, float* out) {
  TernaryFloatProduct(isa, w)(x, batch, out);
}

}  // namespace hitnet::infer
