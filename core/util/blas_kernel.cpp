#include "core/util/blas_kernel.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>

#ifdef HITNET_OPENBLAS
extern "C" char* openblas_get_corename();
#endif

namespace hitnet {
namespace {

constexpr const char* kFallbackVariable = "HITNET_OPENBLAS_FALLBACK";

// OpenBLAS's x86-64 kernels for instruction sets older than AVX2: its generic fallback for a CPU
// it does not know ("Prescott") and the CPUs before Haswell.
constexpr std::array kPreAvx2Kernels = {"Prescott",      "Core2",     "Penryn",     "Dunnington",
                                        "Nehalem",       "Atom",      "Athlon",     "Opteron",
                                        "Opteron(SSE3)", "Barcelona", "Nano",       "Sandybridge",
                                        "Bobcat",        "Bulldozer", "Piledriver", "Steamroller"};

#ifdef HITNET_OPENBLAS
// Runs after the shared libraries' constructors (OpenBLAS has chosen) and before the program's
// own static initialisers; glibc hands .init_array functions argc, argv and envp.
__attribute__((constructor(102))) void restart_on_better_openblas_kernel(int, char** argv, char**) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || argv == nullptr) return;
  __builtin_cpu_init();
  const std::string chosen = openblas_get_corename();
  const char* better = better_openblas_kernel(
      chosen, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"));
  if (better == nullptr) return;
  // The program's own path (readlink, not exec of /proc/self/exe: under valgrind that link names
  // the tool, and valgrind answers readlink with the program).
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return;  // no /proc: keep OpenBLAS's choice
  path[length] = '\0';
  setenv("OPENBLAS_CORETYPE", better, 1);
  setenv(kFallbackVariable, chosen.c_str(), 1);
  execv(path, argv);
  unsetenv("OPENBLAS_CORETYPE");  // exec failed: carry on with what OpenBLAS chose
  unsetenv(kFallbackVariable);
}
#endif

}  // namespace

const char* better_openblas_kernel(const std::string& kernel, bool cpu_has_avx2_fma,
                                   bool cpu_has_avx512) {
  const bool pre_avx2 = std::ranges::find(kPreAvx2Kernels, kernel) != kPreAvx2Kernels.end();
  if (!pre_avx2 || !cpu_has_avx2_fma) return nullptr;
  return cpu_has_avx512 ? "SkylakeX" : "Haswell";
}

std::string gemm_kernel() {
#ifdef HITNET_OPENBLAS
  return openblas_get_corename();
#elif defined(EIGEN_USE_BLAS)
  return "blis";
#else
  return "eigen";
#endif
}

std::string openblas_fallback_kernel() {
  const char* chosen = std::getenv(kFallbackVariable);
  return chosen != nullptr ? chosen : "";
}

}  // namespace hitnet
