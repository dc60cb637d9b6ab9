#include "experiments/lib/run_directory.hpp"

#include <filesystem>
#include <stdexcept>

#include "core/config/load.hpp"
#include "core/io/atomic_file.hpp"
#include "hitnet/version.hpp"

namespace hitnet {

namespace fs = std::filesystem;

std::string default_run_dir(const Config& cfg) {
  return "results/runs/" + cfg.name + "_" + config_hash(cfg);
}

void prepare_run_dir(const std::string& dir, const Config& cfg, bool force) {
  if (fs::exists(dir + "/summary.json") || fs::exists(dir + "/checkpoints")) {
    if (!force)
      throw std::runtime_error(dir + " already holds a run: continue it with `hitnet-run --resume " +
                               dir + "`, or start over with --force");
    fs::remove_all(dir + "/checkpoints");
    for (const char* f : {"summary.json", "results.h5", "log.txt", "config.yaml"})
      fs::remove(dir + "/" + f);
  }
  fs::create_directories(dir);
  write_file_atomically(dir + "/config.yaml", to_yaml(cfg));
}

std::string data_root_for(const std::string& data_path) {
  if (fs::path(data_path).is_absolute() || fs::exists(data_path)) return ".";
  return kSourceDir;
}

}  // namespace hitnet
