#include "core/data/corpus.hpp"

#include <array>
#include <filesystem>

#include "core/data/checksum.hpp"
#include "core/data/read_file.hpp"
#include "core/data/synthetic.hpp"
#include "core/data/tokenize.hpp"

namespace hitnet {
namespace fs = std::filesystem;
namespace {

struct SplitFiles {
  std::string train, valid, test;
};

// The decompressed text of one split, checked against the folder's SHA256SUMS when asked.
std::string read_split(const fs::path& dir, const std::string& name, bool verify) {
  std::string text = read_data_file(dir / name);
  if (verify) verify_listed_checksum(dir, name, text);
  return text;
}

// Word level (PTB, WikiText-2, explicit files) and PTB-char, whose symbols are space-separated
// just like words: train builds the vocabulary, valid and test are looked up in it.
Corpus load_lines(const std::string& name, const fs::path& dir, const SplitFiles& files,
                  bool verify) {
  Corpus corpus;
  corpus.name = name;
  auto split = [&](const std::string& file, VocabUse use) {
    return tokenize_lines(read_split(dir, file, verify), corpus.vocab, use, (dir / file).string());
  };
  corpus.train = split(files.train, VocabUse::build);
  corpus.valid = split(files.valid, VocabUse::lookup);
  corpus.test = split(files.test, VocabUse::lookup);
  return corpus;
}

// text8: one file, split by characters into the first 90 %, the next 5 % and the last 5 %. For
// the real 100,000,000-byte file these are the conventional 90M / 5M / 5M characters
// (Mikolov et al. 2012); a smaller file in the same format is split in the same proportions.
Corpus load_text8(const fs::path& dir, const std::string& file, bool verify) {
  std::string text = read_split(dir, file, verify);
  if (text.back() == '\n') text.pop_back();  // the usual end of a text file, not a line break
  const std::string shown = (dir / file).string();
  const size_t n = text.size();
  const std::array<size_t, 4> bounds = {0, n * 90 / 100, n * 95 / 100, n};
  Corpus corpus;
  corpus.name = "text8";
  auto split = [&](int part, VocabUse use) {
    const size_t begin = bounds[part], end = bounds[part + 1];
    if (begin == end)
      throw DataError(shown + ": " + std::to_string(n) +
                      " characters are too few to split 90/5/5 % into train, valid and test");
    return tokenize_chars(std::string_view(text).substr(begin, end - begin), corpus.vocab, use,
                          shown, static_cast<long>(begin) + 1);
  };
  corpus.train = split(0, VocabUse::build);
  corpus.valid = split(1, VocabUse::lookup);
  corpus.test = split(2, VocabUse::lookup);
  return corpus;
}

}  // namespace

Corpus load_corpus(const DataConfig& cfg, const std::string& root) {
  if (cfg.corpus == "synthetic")
    return make_synthetic_corpus(cfg.synthetic_vocab, cfg.synthetic_tokens);

  const fs::path dir = fs::path(root) / cfg.path;  // an absolute data.path ignores root
  if (cfg.corpus == "ptb")
    return load_lines("ptb", dir, {"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"},
                      cfg.verify_checksum);
  if (cfg.corpus == "ptb_char")
    return load_lines("ptb_char", dir,
                      {"ptb.char.train.txt", "ptb.char.valid.txt", "ptb.char.test.txt"},
                      cfg.verify_checksum);
  if (cfg.corpus == "wikitext2")
    return load_lines("wikitext2", dir,
                      {"wiki.train.tokens", "wiki.valid.tokens", "wiki.test.tokens"},
                      cfg.verify_checksum);
  if (cfg.corpus == "text8")
    return load_text8(dir, cfg.train_file.empty() ? "text8" : cfg.train_file, cfg.verify_checksum);
  if (cfg.corpus == "files") {
    if (cfg.train_file.empty() || cfg.valid_file.empty() || cfg.test_file.empty())
      throw DataError(
          "data.corpus=files needs data.train_file, data.valid_file and "
          "data.test_file (file names relative to data.path '" +
          cfg.path + "')");
    return load_lines("files", dir, {cfg.train_file, cfg.valid_file, cfg.test_file},
                      cfg.verify_checksum);
  }
  throw DataError("data.corpus: unknown corpus '" + cfg.corpus +
                  "' (expected ptb, ptb_char, wikitext2, text8, files or synthetic)");
}

}  // namespace hitnet
