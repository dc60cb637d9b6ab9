#pragma once
// A binary built with -march=native (HITNET_NATIVE=ON, the default) may use every instruction
// set of the machine that compiled it. Started on an older CPU -- a cluster's compute node
// behind a newer login node -- it would die of SIGILL somewhere inside Eigen. So every program
// checks first, before any other code of its own runs, and explains instead.
#include <cstdio>

namespace hitnet {

// An instruction set the binary was compiled for (the compiler's __AVX2__-style macros).
struct CpuFeature {
  const char* name;     // as __builtin_cpu_supports spells it: "avx2", "avx512f", "sse4.2"
  bool (*supported)();  // does this CPU have it?
};

// The instruction sets beyond the x86-64 baseline that this binary was compiled for; `count`
// receives their number (0 for a portable build, or off x86).
const CpuFeature* compiled_cpu_features(int& count);

// The first of `features` this CPU lacks; nullptr when it has them all.
const char* first_missing_cpu_feature(const CpuFeature* features, int count);

// "<program>: this binary was built for a CPU with <missing> (-march=native), which this CPU
// (<host>) lacks; build one that runs everywhere with cmake -DHITNET_NATIVE=OFF ..."
void write_cpu_mismatch(std::FILE* out, const char* program, const char* missing);

// Exits with status 1 and that message when this CPU lacks an instruction set the binary was
// compiled for. Every program calls it as the first line of main(); the same check also runs
// as a startup constructor of this file (before any other static initializer), which calling
// it guarantees is linked in.
void require_cpu_support(const char* program);

}  // namespace hitnet
