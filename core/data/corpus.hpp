#pragma once
// A tokenised corpus: vocabulary built from train, and the three splits as id streams.
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/data_config.hpp"
#include "core/data/error.hpp"
#include "core/data/vocab.hpp"

namespace hitnet {

struct Corpus {
  std::string name;
  Vocab vocab;
  std::vector<int32_t> train, valid, test;
};

// Loads the corpus the config names. Relative paths resolve against `root` (the repo root or
// the directory the config was found in). Throws DataError.
//
// data.corpus     files in data.path (FILE or FILE.xz)            tokens
// ptb             ptb.{train,valid,test}.txt                     words + <eos> per line
// wikitext2       wiki.{train,valid,test}.tokens                 words + <eos> per line
// ptb_char        ptb.char.{train,valid,test}.txt                space-separated symbols + <eos>
// files           data.{train,valid,test}_file                   words + <eos> per line
// text8           text8 (or data.train_file), split 90/5/5 %     characters, space spelt `_`
// synthetic       none: make_synthetic_corpus (synthetic.hpp)    w0 .. w{synthetic_vocab-1}
//
// The vocabulary is built from train in order of first appearance; valid/test tokens missing
// from it become <unk> if the vocabulary has one, else they are an error. With
// data.verify_checksum, every file listed in data.path/SHA256SUMS is checked (decompressed).
Corpus load_corpus(const DataConfig& cfg, const std::string& root);

}  // namespace hitnet
