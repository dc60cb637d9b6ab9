#pragma once
// Histograms and summary statistics of a tensor's values, as stored in the results file
// (weights before/after quantization, activations before/after the nonlinearity and after
// quantization). Plain data: no HDF5 here, core/io/results_file writes them.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hitnet {

struct TensorStats {
  uint64_t count = 0;      // values seen, including non-finite ones
  uint64_t nonfinite = 0;  // NaN / ±inf values: counted here, left out of the bins and moments
  double mean = 0, std = 0, min = 0, max = 0;  // over the finite values; NaN when there are none
  double frac_zero = 0;                        // fraction of all values that are exactly 0
  // When the tensor holds at most three distinct values (a ternary or binary quantizer's
  // output), the values in ascending order and the fraction of the tensor at each; else empty.
  std::vector<double> level_values, level_fractions;
};

struct Histogram {
  std::vector<double> edges;     // bins + 1, ascending; the last bin includes its right edge
  std::vector<uint64_t> counts;  // bins; sums to stats.count - stats.nonfinite
  TensorStats stats;
};

// Statistics of n values.
TensorStats tensor_stats(const float* x, std::size_t n);

// `bins` equal-width bins over [min, max] of the finite values (numpy.histogram's convention).
// A constant tensor gets the range [v - 0.5, v + 0.5]; an empty one [0, 1] with zero counts.
// Throws std::invalid_argument when bins < 1.
Histogram make_histogram(const float* x, std::size_t n, int bins);

// Gathers values over several calls (an activation over a few batches) and bins them all at
// once, so the range is that of everything seen. Keeps a copy of the values: 4 bytes each.
class HistogramAccumulator {
 public:
  void add(const float* x, std::size_t n) { values_.insert(values_.end(), x, x + n); }
  std::size_t size() const { return values_.size(); }
  Histogram histogram(int bins) const {
    return make_histogram(values_.data(), values_.size(), bins);
  }
  void clear() { values_.clear(); }

 private:
  std::vector<float> values_;
};

}  // namespace hitnet
