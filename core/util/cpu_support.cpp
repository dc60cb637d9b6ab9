#include "core/util/cpu_support.hpp"

#include <errno.h>  // program_invocation_short_name (glibc)
#include <unistd.h>

#include <cstdlib>

// Everything here runs before the CPU is known to have what the rest of the binary was compiled
// for, so it is compiled for the x86-64 baseline whatever -march says: no AVX instruction may
// run before the check has passed.
#if defined(__x86_64__) || defined(__i386__)
#define HITNET_BASELINE __attribute__((target("arch=x86-64")))
#define HITNET_FEATURE(name)                                                 \
  CpuFeature {                                                               \
    name, []() HITNET_BASELINE { return __builtin_cpu_supports(name) != 0; } \
  }
#else
#define HITNET_BASELINE
#endif

namespace hitnet {
namespace {

// One entry per instruction set the compiler may emit for -march=native; a constant table
// (no dynamic initialisation), so it is ready before any constructor runs.
#if defined(__x86_64__) || defined(__i386__)
constexpr CpuFeature kCompiled[] = {
#ifdef __SSE3__
    HITNET_FEATURE("sse3"),
#endif
#ifdef __SSSE3__
    HITNET_FEATURE("ssse3"),
#endif
#ifdef __SSE4_1__
    HITNET_FEATURE("sse4.1"),
#endif
#ifdef __SSE4_2__
    HITNET_FEATURE("sse4.2"),
#endif
#ifdef __POPCNT__
    HITNET_FEATURE("popcnt"),
#endif
#ifdef __AVX__
    HITNET_FEATURE("avx"),
#endif
#ifdef __AVX2__
    HITNET_FEATURE("avx2"),
#endif
#ifdef __FMA__
    HITNET_FEATURE("fma"),
#endif
#if defined(__F16C__) && !defined(__clang__)  // clang 14 has no "f16c" in __builtin_cpu_supports
    HITNET_FEATURE("f16c"),
#endif
#ifdef __BMI__
    HITNET_FEATURE("bmi"),
#endif
#ifdef __BMI2__
    HITNET_FEATURE("bmi2"),
#endif
#if defined(__LZCNT__) && !defined(__clang__)  // clang 14 has no "lzcnt" in __builtin_cpu_supports
    HITNET_FEATURE("lzcnt"),
#endif
#if defined(__MOVBE__) && !defined(__clang__)  // clang 14 has no "movbe" in __builtin_cpu_supports
    HITNET_FEATURE("movbe"),
#endif
#ifdef __AVX512F__
    HITNET_FEATURE("avx512f"),
#endif
#ifdef __AVX512CD__
    HITNET_FEATURE("avx512cd"),
#endif
#ifdef __AVX512BW__
    HITNET_FEATURE("avx512bw"),
#endif
#ifdef __AVX512DQ__
    HITNET_FEATURE("avx512dq"),
#endif
#ifdef __AVX512VL__
    HITNET_FEATURE("avx512vl"),
#endif
#ifdef __AVX512VNNI__
    HITNET_FEATURE("avx512vnni"),
#endif
#ifdef __AVX512BF16__
    HITNET_FEATURE("avx512bf16"),
#endif
// clang 14 has no "avx512fp16" in __builtin_cpu_supports (seen on an Emerald Rapids build host,
// where -march=native turns it on: the sanitizer build of .ci/run did not compile)
#if defined(__AVX512FP16__) && !defined(__clang__)
    HITNET_FEATURE("avx512fp16"),
#endif
    // Keeps the array non-empty for a baseline build; never reported (SSE2 is in x86-64).
    HITNET_FEATURE("sse2"),
};
constexpr int kCompiledCount = static_cast<int>(sizeof kCompiled / sizeof kCompiled[0]);
#else
constexpr CpuFeature* kCompiled = nullptr;
constexpr int kCompiledCount = 0;
#endif

HITNET_BASELINE void check_cpu(const char* program) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();  // constructors may run before libgcc's own CPU detection
#endif
  int count = 0;
  const CpuFeature* features = compiled_cpu_features(count);
  if (const char* missing = first_missing_cpu_feature(features, count)) {
    write_cpu_mismatch(stderr, program, missing);
    std::_Exit(1);  // nothing else of this binary may run: not even static destructors
  }
}

// Before every other static initializer (priority 101 is the first one left to programs).
__attribute__((constructor(101))) HITNET_BASELINE void check_cpu_at_startup() {
  check_cpu(program_invocation_short_name);
}

}  // namespace

HITNET_BASELINE const CpuFeature* compiled_cpu_features(int& count) {
  count = kCompiledCount;
  return kCompiled;
}

HITNET_BASELINE const char* first_missing_cpu_feature(const CpuFeature* features, int count) {
  for (int i = 0; i < count; ++i)
    if (!features[i].supported()) return features[i].name;
  return nullptr;
}

HITNET_BASELINE void write_cpu_mismatch(std::FILE* out, const char* program, const char* missing) {
  char host[256] = "this machine";
  gethostname(host, sizeof host - 1);
  std::fprintf(out,
               "%s: this binary was built for a CPU with %s (-march=native, HITNET_NATIVE=ON), "
               "which the CPU of %s lacks: it would stop with an illegal instruction.\n"
               "  Build one that runs on every x86-64 machine: cmake -S . -B build "
               "-DHITNET_NATIVE=OFF && cmake --build build\n"
               "  (or build on a node of this kind and point the sweep at it with --hitnet-run)\n",
               program, missing, host);
  std::fflush(out);
}

HITNET_BASELINE void require_cpu_support(const char* program) {
  check_cpu(program);
}

}  // namespace hitnet
