#include "experiments/lib/warm_start.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "core/data/read_file.hpp"
#include "core/io/checkpoint.hpp"
#include "core/util/sha256.hpp"

namespace hitnet {

std::string warm_start(LanguageModel& model, const ModelConfig& m, const std::string& run_dir,
                       const std::string& expected_sha256) {
  const std::string where = "init.from '" + run_dir + "'";
  const std::string config_path = run_dir + "/config.yaml";
  if (!std::filesystem::is_regular_file(config_path))
    throw std::runtime_error(where + ": no run there (" + config_path + " is missing)");
  // Read as plain YAML, not through the schema: the source may be from an older hitnet whose
  // other keys this one no longer accepts; only its model shape matters here.
  YAML::Node source;
  try {
    source = YAML::LoadFile(config_path)["model"];
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(where + ": cannot read " + config_path + ": " + e.what());
  }
  auto require = [&](const char* key, const std::string& ours) {
    const std::string theirs = source && source[key] ? source[key].as<std::string>() : "";
    if (theirs != ours)
      throw std::runtime_error(where + ": model." + key + " is " +
                               (theirs.empty() ? "missing" : theirs) + " there, " + ours +
                               " here: a warm start needs the same model shape");
  };
  require("cell", m.cell);
  require("layers", std::to_string(m.layers));
  require("hidden", std::to_string(m.hidden));
  require("embedding", std::to_string(m.embedding));
  require("tie_weights", m.tie_weights ? "true" : "false");
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
