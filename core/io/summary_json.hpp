#pragma once
// summary.json: the run's headline numbers for quick scripting (jq, a shell loop, pandas'
// read_json). Written atomically, so a reader never sees half a file.
#include <nlohmann/json.hpp>
#include <string>

#include "core/io/results_file.hpp"

namespace hitnet {

// The headline keys every summary.json has (the trainer may add more): status, config_hash,
// version, git_revision, started, finished, best_valid_ppl, best_epoch, test_ppl, test_ppl_mean
// (the same number, kept for older readers), test_ppl_std, eval_samples, eval_mode, epochs_run,
// and test_ppl_by_mode ({mode: {ppl, std, passes}}) for models with stochastic quantizers.
// Non-finite numbers and a best epoch not yet known become null.
nlohmann::json summary_of(const RunInfo& info, const FinalMetrics& f, const std::string& status,
                          const std::string& finished);

void write_summary_json(const std::string& path, const nlohmann::json& summary);

}  // namespace hitnet
