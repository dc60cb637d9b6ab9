#include "core/io/results_file.hpp"

#include "core/io/run_status.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/io/atomic_file.hpp"
#include "core/io/hdf5.hpp"
#include "core/io/timestamp.hpp"

namespace hitnet {

namespace {

// The per-epoch series under /metrics, in EpochRow's order. "epoch" is an integer series.
constexpr std::array<const char*, 7> kMetricNames = {
    "epoch", "lr", "train_loss", "train_ppl", "valid_ppl", "tokens_per_s", "wall_s"};

std::array<double, 7> values_of(const EpochRow& r) {
  return {double(r.epoch), r.lr, r.train_loss, r.train_ppl, r.valid_ppl, r.tokens_per_s, r.wall_s};
}

std::string epoch_group_name(int epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch_%04d", epoch);
  return name;
}

// Epoch number of a group named epoch_NNNN, or -1 for any other name.
int epoch_of_group(const std::string& name) {
  int epoch = -1;
  char rest = 0;
  return std::sscanf(name.c_str(), "epoch_%d%c", &epoch, &rest) == 1 ? epoch : -1;
}

std::vector<std::string> child_names(hid_t group) {
  std::vector<std::string> names;
  h5::check_status(H5Literate(
                       group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
                       [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                         static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                         return 0;
                       },
                       &names),
                   "list group");
  return names;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

void require_valid_name(const std::string& name, const std::string& what) {
  require(!name.empty() && name.find('/') == std::string::npos && name != "." && name != "..",
          what + " name '" + name + "' must be non-empty and contain no '/'");
}

void require_known_stage(const std::string& kind, const std::string& stage) {
  static const std::vector<std::string> weight_stages = {"full", "quantized"};
  static const std::vector<std::string> activation_stages = {"pre", "post", "quantized"};
  const std::vector<std::string>* stages = kind == "weights"       ? &weight_stages
                                           : kind == "activations" ? &activation_stages
                                                                   : nullptr;
  require(stages != nullptr,
          "histogram kind must be \"weights\" or \"activations\", got \"" + kind + "\"");
  require(std::find(stages->begin(), stages->end(), stage) != stages->end(),
          "histogram stage \"" + stage + "\" is not one of " + kind + "'s stages (" +
              (kind == "weights" ? "full, quantized" : "pre, post, quantized") + ")");
}

// One atomic update: copy the file beside itself, let `edit` change the copy, rename it back.
// Readers and crashes see the old file or the new one, never a mix.
template <class Edit>
void update_atomically(const std::string& path, const std::string& what, Edit&& edit) {
  h5::QuietErrors quiet;
  const std::string temp = temp_path_for(path);
  try {
    std::filesystem::copy_file(path, temp, std::filesystem::copy_options::overwrite_existing);
    h5::Handle file = h5::open_file(temp, /*writable=*/true);
    std::forward<Edit>(edit)(file.get());
    file.close();
    replace_file(temp, path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw std::runtime_error("results file '" + path + "': " + what + ": " + e.what());
  }
}

void write_stats_attrs(hid_t group, const TensorStats& s) {
  h5::write_attr(group, "count", int64_t(s.count));
  h5::write_attr(group, "nonfinite", int64_t(s.nonfinite));
  h5::write_attr(group, "mean", s.mean);
  h5::write_attr(group, "std", s.std);
  h5::write_attr(group, "min", s.min);
  h5::write_attr(group, "max", s.max);
  h5::write_attr(group, "frac_zero", s.frac_zero);
  if (!s.level_values.empty()) {
    h5::write_attr(group, "level_values", s.level_values);
    h5::write_attr(group, "level_fractions", s.level_fractions);
  }
}

// Temporary copies left by a writer that was killed during an update (one writer per file,
// so any that exist when a new writer starts are dead).
void remove_stale_temporaries(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.parent_path().empty() ? "." : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp.";
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) {
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

}  // namespace

ResultsFile ResultsFile::create(const std::string& path, const RunInfo& info) {
  h5::QuietErrors quiet;
  const std::string temp = temp_path_for(path);
  try {
    h5::Handle file = h5::create_file(temp);
    h5::write_attr(file, "schema_version", int64_t{kResultsSchemaVersion});
    h5::write_attr(file, "config", info.config_yaml);
    h5::write_attr(file, "config_hash", info.config_hash);
    h5::write_attr(file, "version", info.version);
    h5::write_attr(file, "git_revision", info.git_revision);
    h5::write_attr(file, "started", info.started);
    h5::write_attr(file, "init_from", info.init_from);
    h5::write_attr(file, "finished", std::string());
    h5::write_attr(file, "status", std::string(status::kRunning));
    h5::Handle metrics = h5::create_group(file, "metrics");
    for (const char* name : kMetricNames) {
      h5::create_series(metrics, name,
                        std::string(name) == "epoch" ? H5T_STD_I32LE : H5T_IEEE_F64LE);
    }
    h5::create_group(file, "histograms");
    metrics.reset();
    file.close();
    replace_file(temp, path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw std::runtime_error("cannot create results file '" + path + "': " + e.what());
  }
  return ResultsFile(path);
}

ResultsFile ResultsFile::reopen(const std::string& path, int keep_epochs) {
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("cannot resume results file '" + path + "': it does not exist");
  }
  remove_stale_temporaries(path);
  update_atomically(
      path, "reopen for resuming after epoch " + std::to_string(keep_epochs), [&](hid_t file) {
        const int64_t schema = h5::read_int_attr(file, "schema_version");
        require(schema == kResultsSchemaVersion, "schema_version " + std::to_string(schema) +
                                                     ", expected " +
                                                     std::to_string(kResultsSchemaVersion));
        h5::read_all_datasets(file);  // what the run continues from must be intact
        h5::Handle metrics = h5::open_group(file, "metrics");
        const std::vector<double> epochs = h5::read_doubles(h5::open_dataset(metrics, "epoch"));
        const auto keep = std::size_t(
            std::find_if(epochs.begin(), epochs.end(), [&](double e) { return e > keep_epochs; }) -
            epochs.begin());
        for (const std::string& name : child_names(metrics)) {
          h5::truncate(h5::open_dataset(metrics, name), keep);
        }
        h5::Handle histograms = h5::open_group(file, "histograms");
        for (const std::string& name : child_names(histograms)) {
          if (epoch_of_group(name) > keep_epochs) h5::remove(histograms, name);
        }
        h5::remove(file, "final");
        h5::write_attr(file, "finished", std::string());
        h5::write_attr(file, "status", std::string(status::kRunning));
      });
  return ResultsFile(path);
}

RunInfo ResultsFile::read_info(const std::string& path) {
  h5::QuietErrors quiet;
  try {
    h5::Handle file = h5::open_file(path, false);
    auto attr = [&](const char* name) { return h5::read_string_attr(file, name); };
    return {attr("config"),       attr("config_hash"), attr("version"),
            attr("git_revision"), attr("started"),     attr("init_from")};
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read the run's attributes from '" + path + "': " + e.what());
  }
}

void ResultsFile::append_epoch(const EpochRow& row) {
  update_atomically(path_, "append epoch " + std::to_string(row.epoch), [&](hid_t file) {
    h5::Handle metrics = h5::open_group(file, "metrics");
    h5::Handle epoch = h5::open_dataset(metrics, "epoch");
    const std::vector<double> epochs = h5::read_doubles(epoch);
    require(epochs.empty() || row.epoch > epochs.back(),
            "epochs must increase: epoch " + std::to_string(row.epoch) + " after epoch " +
                std::to_string(epochs.empty() ? 0 : int(epochs.back())));
    const auto values = values_of(row);
    for (std::size_t i = 0; i < kMetricNames.size(); ++i) {
      h5::append(h5::open_dataset(metrics, kMetricNames[i]), values[i]);
    }
    std::map<std::string, double> extra(row.extra.begin(), row.extra.end());
    for (const auto& [name, value] : extra) {
      require_valid_name(name, "metric");
      if (h5::exists(metrics, name)) continue;
      h5::create_series(metrics, name, H5T_IEEE_F64LE);
      h5::Handle series = h5::open_dataset(metrics, name);
      for (std::size_t k = 0; k < epochs.size(); ++k) h5::append(series, NAN);
    }
    for (const std::string& name : child_names(metrics)) {
      if (std::find(kMetricNames.begin(), kMetricNames.end(), name) != kMetricNames.end()) continue;
      const auto it = extra.find(name);
      h5::append(h5::open_dataset(metrics, name), it == extra.end() ? NAN : it->second);
    }
  });
}

void ResultsFile::write_histogram(int epoch, const std::string& kind, const std::string& tensor,
                                  const std::string& stage, const Histogram& h) {
  require(epoch >= 0, "histogram epoch must be >= 0, got " + std::to_string(epoch));
  require_known_stage(kind, stage);
  require_valid_name(tensor, "tensor");
  require(!h.counts.empty() && h.edges.size() == h.counts.size() + 1,
          "histogram of " + tensor + " needs bins + 1 edges, got " +
              std::to_string(h.edges.size()) + " edges for " + std::to_string(h.counts.size()) +
              " bins");
  const std::string where =
      "histograms/" + epoch_group_name(epoch) + "/" + kind + "/" + tensor + "/" + stage;
  update_atomically(path_, "write " + where, [&](hid_t file) {
    h5::Handle histograms = h5::open_group(file, "histograms");
    h5::Handle epoch_group = h5::open_or_create_group(histograms, epoch_group_name(epoch));
    h5::write_attr(epoch_group, "epoch", int64_t{epoch});
    h5::Handle kind_group = h5::open_or_create_group(epoch_group, kind);
    h5::Handle tensor_group = h5::open_or_create_group(kind_group, tensor);
    h5::remove(tensor_group, stage);
    h5::Handle stage_group = h5::create_group(tensor_group, stage);
    h5::write_array(stage_group, "counts", h.counts);
    h5::write_array(stage_group, "edges", h.edges);
    write_stats_attrs(stage_group, h.stats);
  });
}

void ResultsFile::finish(const FinalMetrics& f, std::string_view run_status) {
  require(
      run_status == status::kFinished || run_status == status::kFailed ||
          run_status == status::kDiverged,
      "final status must be finished, failed or diverged, got \"" + std::string(run_status) + "\"");
  update_atomically(path_, "finish", [&](hid_t file) {
    h5::remove(file, "final");
    h5::Handle final_group = h5::create_group(file, "final");
    h5::write_attr(final_group, "best_valid_ppl", f.best_valid_ppl);
    h5::write_attr(final_group, "best_epoch", int64_t{f.best_epoch});
    h5::write_attr(final_group, "test_ppl", f.test_ppl);
    h5::write_attr(final_group, "epochs_run", int64_t{f.epochs_run});
    h5::write_attr(final_group, "eval_samples", int64_t{f.eval_samples});
    h5::write_attr(final_group, "eval_mode", f.eval_mode);
    h5::write_attr(final_group, "test_ppl_mean", f.test_ppl);
    h5::write_attr(final_group, "test_ppl_std", f.test_ppl_std);
    for (const ModePerplexity& m : f.test_by_mode) {
      h5::write_attr(final_group, "test_ppl_" + m.mode, m.ppl);
      h5::write_attr(final_group, "test_ppl_" + m.mode + "_std", m.std);
      h5::write_attr(final_group, "test_ppl_" + m.mode + "_passes", int64_t{m.passes});
    }
    h5::write_attr(file, "finished", utc_timestamp());
    h5::write_attr(file, "status", std::string(run_status));
  });
}

}  // namespace hitnet
