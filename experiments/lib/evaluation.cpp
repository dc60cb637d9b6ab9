#include "experiments/lib/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hitnet {

double evaluate_window(LanguageModel& model, DataParallel* parallel, const Window& window,
                       ModelState& state, Rng& rng, const Pass& pass) {
  return parallel && window.batch >= parallel->slices()
             ? parallel->evaluate(window, state, rng, pass)
             : model.evaluate(window, state, rng, pass);
}

std::optional<PerplexityStats> evaluate_split(LanguageModel& model, DataParallel* parallel,
                                              const BatchedSplit& split, int max_windows,
                                              uint64_t seed, const Pass& pass, int passes,
                                              const std::atomic<bool>& stop) {
  const int n = max_windows > 0 ? std::min(split.num_windows(), max_windows) : split.num_windows();
  std::vector<double> ppl;
  for (int k = 0; k < passes; ++k) {
    Rng rng(seed + 7919ULL * uint64_t(k));
    ModelState state = model.initial_state(split.batch());
    double nll = 0, tokens = 0;
    for (int w = 0; w < n; ++w) {
      if (stop) return std::nullopt;
      const Window window = split.window(w);
      nll += evaluate_window(model, parallel, window, state, rng, pass);
      tokens += double(window.len) * window.batch;
    }
    ppl.push_back(std::exp(nll / tokens));
  }
  PerplexityStats s;
  s.passes = passes;
  for (double p : ppl) s.mean += p / passes;
  double var = 0;
  for (double p : ppl) var += (p - s.mean) * (p - s.mean) / std::max(1, passes - 1);
  s.std = std::sqrt(var);
  return s;
}

}  // namespace hitnet
