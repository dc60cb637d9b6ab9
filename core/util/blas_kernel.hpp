#pragma once
// OpenBLAS picks its GEMM kernel once, when the library loads, from the CPU's model number. A
// CPU newer than the OpenBLAS build (Debian 12's 0.3.21 on Intel's Emerald Rapids, model 207)
// gets its generic "Prescott" kernel: SSE3, 8x slower than the AVX-512 one on the model's shapes
// (197 against 24 GFLOP/s at 1 thread, hitnet-gemm-openblas). So a program that finds OpenBLAS
// on a pre-AVX2 kernel while the CPU has AVX2 restarts itself once, before main(), with
// OPENBLAS_CORETYPE naming the kernel for what the CPU has. A preset OPENBLAS_CORETYPE (some
// machines carry one because older OpenBLAS builds compute wrong on their CPUs) is never
// overridden, and neither is a kernel OpenBLAS chose for a CPU it knows.
#include <string>

namespace hitnet {

// The GEMM kernel this process runs: OpenBLAS's core name ("SkylakeX", "Haswell", "Zen", ...),
// or the backend itself ("eigen", "blis") when OpenBLAS is not the backend.
std::string gemm_kernel();

// The OPENBLAS_CORETYPE a process on `kernel` should restart with, given what the CPU has;
// nullptr when OpenBLAS's own choice stands (it knows the CPU, or nothing better runs there).
const char* better_openblas_kernel(const std::string& kernel, bool cpu_has_avx2_fma,
                                   bool cpu_has_avx512);

// The kernel OpenBLAS chose by itself when this process restarted onto a better one (it carries
// HITNET_OPENBLAS_FALLBACK through the restart); empty when it did not restart.
std::string openblas_fallback_kernel();

}  // namespace hitnet
