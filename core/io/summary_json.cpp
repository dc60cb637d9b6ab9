#include "core/io/summary_json.hpp"

#include "core/io/atomic_file.hpp"

#include <cmath>

namespace hitnet {

nlohmann::json summary_of(const RunInfo& info, const FinalMetrics& f, const std::string& status,
                          const std::string& finished) {
  nlohmann::json s = {{"status", status},
                      {"config_hash", info.config_hash},
                      {"version", info.version},
                      {"git_revision", info.git_revision},
                      {"started", info.started},
                      {"finished", finished},
                      {"best_valid_ppl", f.best_valid_ppl},
                      {"best_epoch", nullptr},
                      {"test_ppl", f.test_ppl},
                      {"test_ppl_mean", f.test_ppl},
                      {"test_ppl_std", f.test_ppl_std},
                      {"eval_samples", f.eval_samples},
                      {"eval_mode", f.eval_mode},
                      {"epochs_run", f.epochs_run}};
  // Epoch 0 is the untrained initial model (train.epochs 0); no finite valid ppl, no best epoch.
  if (std::isfinite(f.best_valid_ppl)) s["best_epoch"] = f.best_epoch;
  if (!f.test_by_mode.empty()) {
    nlohmann::json by_mode = nlohmann::json::object();
    for (const ModePerplexity& m : f.test_by_mode)
      by_mode[m.mode] = {{"ppl", m.ppl}, {"std", m.std}, {"passes", m.passes}};
    s["test_ppl_by_mode"] = by_mode;
  }
  return s;
}

void write_summary_json(const std::string& path, const nlohmann::json& summary) {
  write_file_atomically(path, summary.dump(2) + "\n");
}

}  // namespace hitnet
