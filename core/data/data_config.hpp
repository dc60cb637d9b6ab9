#pragma once
// The `data.*` keys of a config: which corpus, where, and how it is cut into batches. Here, not
// in core/config, so that the data layer depends on nothing above it; core/config/config.hpp
// includes it as the `data` section of a run's Config.
#include <string>

namespace hitnet {

struct DataConfig {
  std::string corpus = "ptb";  // ptb | ptb_char | wikitext2 | text8 | files | synthetic
  // Folder with the split files: relative to the current directory, else to the source tree.
  std::string path = "data/ptb";
  std::string train_file, valid_file, test_file;  // corpus=files: explicit file names
  bool verify_checksum = true;                    // check shipped corpora against data/*/SHA256SUMS
  int bptt = 35;
  int batch_size = 20;
  int eval_batch_size = 10;
  int synthetic_vocab = 50;  // corpus=synthetic
  int synthetic_tokens = 20000;
  bool operator==(const DataConfig&) const = default;
};

}  // namespace hitnet
