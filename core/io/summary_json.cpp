#include "core/io/summary_json.hpp"

#include "core/io/atomic_file.hpp"

namespace hitnet {

nlohmann::json summary_of(const RunInfo& info, const FinalMetrics& f, const std::string& status,
                          const std::string& finished) {
  return {{"status", status},
          {"config_hash", info.config_hash},
          {"version", info.version},
          {"git_revision", info.git_revision},
          {"started", info.started},
          {"finished", finished},
          {"best_valid_ppl", f.best_valid_ppl},
          {"test_ppl", f.test_ppl},
          {"test_ppl_mean", f.test_ppl_mean},
          {"test_ppl_std", f.test_ppl_std},
          {"eval_samples", f.eval_samples},
          {"epochs_run", f.epochs_run}};
}

void write_summary_json(const std::string& path, const nlohmann::json& summary) {
  write_file_atomically(path, summary.dump(2) + "\n");
}

}  // namespace hitnet
