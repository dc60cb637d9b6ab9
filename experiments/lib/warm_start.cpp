#include "experiments/lib/warm_start.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/data/read_file.hpp"
#include "core/io/checkpoint.hpp"
#include "core/util/sha256.hpp"
#include "experiments/lib/exit_codes.hpp"
#include "experiments/lib/run_directory.hpp"

namespace hitnet {

namespace {

// The first way the run in `run_dir` differs from the model shape `m` ("" when it has the same
// shape). Its config is read as plain YAML, not through the schema: the source may be from an
// older hitnet whose other keys this one no longer accepts; only its model shape matters here.
std::string shape_difference(const std::string& run_dir, const ModelConfig& m) {
  const std::string config_path = run_dir + "/config.yaml";
  YAML::Node source;
  try {
    source = YAML::LoadFile(config_path)["model"];
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("init.from '" + run_dir + "': cannot read " + config_path + ": " +
                             e.what());
  }
  const std::pair<const char*, std::string> ours[] = {
      {"cell", m.cell},
      {"layers", std::to_string(m.layers)},
      {"hidden", std::to_string(m.hidden)},
      {"embedding", std::to_string(m.embedding)},
      {"tie_weights", m.tie_weights ? "true" : "false"}};
  for (const auto& [key, value] : ours) {
    const std::string theirs = source && source[key] ? source[key].as<std::string>() : "";
    if (theirs != value)
      return std::string("model.") + key + " is " + (theirs.empty() ? "missing" : theirs) +
             " there, " + value + " here";
  }
  return "";
}

// init.from names a run, or a sweep (a directory with runs/): then the one run of the sweep
// with this model's shape, so a study warm-starts each cell from its full-precision twin by
// one key, whatever hash names the twin's directory.
std::string source_run(const std::string& from, const ModelConfig& m) {
  namespace fs = std::filesystem;
  if (fs::is_regular_file(from + "/config.yaml") || !fs::is_directory(from + "/runs")) return from;
  std::vector<std::string> matches;
  for (const auto& entry : fs::directory_iterator(from + "/runs"))
    if (fs::is_regular_file(entry.path() / "config.yaml") &&
        shape_difference(entry.path().string(), m).empty())
      matches.push_back(entry.path().string());
  std::sort(matches.begin(), matches.end());
  const std::string shape = m.cell + " " + std::to_string(m.layers) + "x" +
                            std::to_string(m.hidden) + ", embedding " +
                            std::to_string(m.embedding) + (m.tie_weights ? ", tied" : "");
  if (matches.empty())
    throw std::runtime_error("init.from '" + from +
                             "': no run of this sweep has the model's shape (" + shape + ")");
  if (matches.size() > 1) {
    std::string list;
    for (const std::string& d : matches) list += "\n  " + d;
    throw std::runtime_error("init.from '" + from + "': " + std::to_string(matches.size()) +
                             " runs of this sweep have the model's shape (" + shape +
                             "); name one:" + list);
  }
  return matches.front();
}

}  // namespace

std::string warm_start(LanguageModel& model, const ModelConfig& m, const std::string& from,
                       const std::string& expected_sha256) {
  const std::string run_dir = source_run(from, m);
  const std::string where = "init.from '" + run_dir + "'";
  const std::string config_path = run_dir + "/config.yaml";
  if (!std::filesystem::is_regular_file(config_path))
    throw std::runtime_error(where + ": no run there (" + config_path + " is missing)");
  if (const std::string difference = shape_difference(run_dir, m); !difference.empty())
    throw std::runtime_error(where + ": " + difference +
                             ": a warm start needs the same model shape");
  // A run still training (or stopped) moves its best checkpoint on: a study that warm-starts
  // from it would start each point from other parameters. A pinned hash makes that safe; a
  // directory without summary.json is a frozen copy (a snapshot), taken as it is.
  if (expected_sha256.empty() && std::filesystem::exists(run_dir + "/summary.json") &&
      !finished_summary(run_dir))
    throw std::runtime_error(where + ": the run has not finished (" + run_dir +
                             "/summary.json does not say " + std::string(status::kFinished) +
                             "), so its best checkpoint can still change: finish it first "
                             "(hitnet-run --resume), or pin the checkpoint with init.sha256");
  auto& params = model.parameters().values();
  const std::string path = run_dir + "/checkpoints/best.ckpt";
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(where + ": the run has no best checkpoint (" + path +
                             " is missing: no epoch finished yet, or the run directory came "
                             "without its checkpoints, as committed results do; run it first)");
  // Read once: the same bytes are parsed (and their checksum verified) and hashed for the record.
  const std::string bytes = read_data_file(path);
  const Checkpoint checkpoint = Checkpoint::from_bytes(bytes, path);
  const std::string sha = sha256_hex(bytes);
  if (!expected_sha256.empty() && sha != expected_sha256) {
    std::ostringstream why;
    why << where << ": its best checkpoint is now epoch " << checkpoint.number("epoch")
        << " (sha256 " << sha << "), not the one init.sha256 pins (" << expected_sha256
        << "): the source run has moved on; copy the pinned checkpoint aside, or update the pin";
    throw std::runtime_error(why.str());
  }
  const Vector best = checkpoint.floats("params");
  if (best.size() != params.size())
    throw std::runtime_error(where + ": its best checkpoint has " + std::to_string(best.size()) +
                             " parameters, this model " + std::to_string(params.size()) +
                             " (another vocabulary?)");
  params = best;
  std::ostringstream line;
  line << path << " (epoch " << checkpoint.number("epoch") << ", valid ppl "
       << checkpoint.number("valid_ppl") << ", sha256 " << sha << ")";
  return line.str();
}

}  // namespace hitnet
