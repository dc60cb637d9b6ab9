#pragma once
// The machine's own single-precision GEMM throughput, measured with the same GEMM the models use
// (Eigen, or the BLAS behind EIGEN_USE_BLAS), so model speed can be read as a fraction of it.

namespace hitnet {

// Best GFLOP/s of C = A·B for n x n matrices over `seconds` of repeats.
double measure_gemm_gflops(int n, double seconds);

}  // namespace hitnet
