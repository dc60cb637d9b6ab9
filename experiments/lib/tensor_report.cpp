#include "experiments/lib/tensor_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/stats/histogram.hpp"

namespace hitnet {
namespace {

// Squared error and squared norm, summed; their ratio's root is the relative error.
struct ErrorSums {
  double error = 0, norm = 0;
  void add(const Eigen::Ref<const Matrix>& x, const Eigen::Ref<const Matrix>& q) {
    error += double((q - x).squaredNorm());
    norm += double(x.squaredNorm());
  }
  double relative() const { return norm > 0 ? std::sqrt(error / norm) : 0.0; }
};

// Collects activations for histograms (when asked) and pairs each tensor's "post" values with
// its "quantized" ones, which layers report right after (recurrent_layer.cpp), for the errors.
class Tap : public ActivationTap {
 public:
  explicit Tap(bool keep_histograms) : keep_histograms_(keep_histograms) {}

  void record(const std::string& tensor, const std::string& stage,
              const Eigen::Ref<const Matrix>& values) override {
    if (keep_histograms_) {
      auto& acc = histograms_[{tensor, stage}];
      for (Eigen::Index c = 0; c < values.cols(); ++c)
        acc.add(values.col(c).data(), static_cast<std::size_t>(values.rows()));
    }
    if (stage == "post") last_post_[tensor] = values;
    if (stage == "quantized") errors_[tensor].add(last_post_.at(tensor), values);
  }

  bool keep_histograms_;
  std::map<std::pair<std::string, std::string>, HistogramAccumulator> histograms_;
  std::map<std::string, Matrix> last_post_;
  std::map<std::string, ErrorSums> errors_;
};

bool histogram_epoch(const HistogramConfig& h, int epoch, int epochs) {
  return std::count(h.epochs.begin(), h.epochs.end(), epoch) > 0 ||
         (h.every > 0 && epoch % h.every == 0) || (h.last && epoch == epochs);
}

}  // namespace

QuantErrors inspect_tensors(LanguageModel& model, const BatchedSplit& train, const Config& cfg,
                            int epoch, ResultsFile* results) {
  const auto& h = cfg.log.histograms;
  const bool histograms = results && histogram_epoch(h, epoch, cfg.train.epochs);
  if (histograms)
    for (const auto& w : model.weights())
      results->write_histogram(
          epoch, "weights", w.name, "full",
          make_histogram(w.full.data(), static_cast<std::size_t>(w.full.size()), h.bins));

  Rng rng(cfg.seed * 7919ULL + static_cast<uint64_t>(epoch));
  Tap tap(histograms);
  ModelState state = model.initial_state(cfg.data.batch_size);
  const int n = std::min(train.num_windows(), h.batches);
  for (int k = 0; k < n; ++k) {
    model.forward_only(train.window(k), state, rng, Pass::train());
    model.report_activations(tap);
  }

  QuantErrors errors;
  // The quantized weights of the last of those passes (computed from the current weights).
  for (const auto& w : model.weights()) {
    if (!w.quantized->active()) continue;
    const auto q = w.quantized->values();
    if (histograms)
      results->write_histogram(
          epoch, "weights", w.name, "quantized",
          make_histogram(q.data(), static_cast<std::size_t>(q.size()), h.bins));
    ErrorSums e;
    e.add(w.full, q);
    errors.emplace_back(w.name, e.relative());
  }
  for (const auto& [tensor, e] : tap.errors_) errors.emplace_back(tensor, e.relative());
  if (histograms)
    for (const auto& [key, acc] : tap.histograms_)
      results->write_histogram(epoch, "activations", key.first, key.second, acc.histogram(h.bins));
  return errors;
}

}  // namespace hitnet
