// Data layer: the shipped corpora's published counts, the formats, the error messages, batching.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/data/batches.hpp"
#include "core/data/checksum.hpp"
#include "core/data/corpus.hpp"
#include "core/data/synthetic.hpp"
#include "core/data/tokenize.hpp"
#include "core/util/sha256.hpp"

namespace fs = std::filesystem;
using namespace hitnet;

namespace {

DataConfig shipped(const std::string& corpus, const std::string& path) {
  DataConfig cfg;
  cfg.corpus = corpus;
  cfg.path = path;
  return cfg;
}

long count(const std::vector<int32_t>& tokens, int32_t id) {
  return std::count(tokens.begin(), tokens.end(), id);
}

// A fresh folder under the system temp directory for one test's files, removed afterwards.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("hitnet-test-data-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file, std::ios::binary) << text;
  }
  // corpus=files over train.txt / valid.txt / test.txt in this folder.
  DataConfig files_config() const {
    DataConfig cfg;
    cfg.corpus = "files";
    cfg.path = path.string();
    cfg.train_file = "train.txt";
    cfg.valid_file = "valid.txt";
    cfg.test_file = "test.txt";
    return cfg;
  }
};

std::string load_error(const DataConfig& cfg, const std::string& root = HITNET_SOURCE_DIR) {
  try {
    load_corpus(cfg, root);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("shipped PTB has the published counts", "[data]") {
  // Train comes from ptb.train.txt.xz; all three files are checked against SHA256SUMS.
  const Corpus c = load_corpus(shipped("ptb", "data/ptb"), HITNET_SOURCE_DIR);
  CHECK(c.name == "ptb");
  CHECK(c.train.size() == 929'589);
  CHECK(c.valid.size() == 73'760);
  CHECK(c.test.size() == 82'430);
  CHECK(c.vocab.size() == 10'000);
  // Ids follow first appearance: train.txt begins " aer banknote berlitz ...".
  CHECK(c.vocab.word(0) == "aer");
  CHECK(c.vocab.word(1) == "banknote");
  const int32_t eos = c.vocab.find("<eos>").value();
  CHECK(count(c.train, eos) == 42'068);  // one per line
  CHECK(c.train.back() == eos);
  CHECK(count(c.train, c.vocab.find("<unk>").value()) == 45'020);
}

TEST_CASE("shipped PTB-char has the published counts", "[data]") {
  const Corpus c = load_corpus(shipped("ptb_char", "data/ptb_char"), HITNET_SOURCE_DIR);
  CHECK(c.train.size() == 5'017'482);
  CHECK(c.valid.size() == 393'042);
  CHECK(c.test.size() == 442'423);
  CHECK(c.vocab.size() == 50);
  CHECK(c.vocab.find("_"));  // the word boundary is a symbol
  CHECK(count(c.train, c.vocab.find("<eos>").value()) == 42'068);
}

TEST_CASE("shipped WikiText-2 has the published counts", "[data]") {
  const Corpus c = load_corpus(shipped("wikitext2", "data/wikitext2"), HITNET_SOURCE_DIR);
  CHECK(c.train.size() == 2'088'628);
  CHECK(c.valid.size() == 217'646);
  CHECK(c.test.size() == 245'569);
  CHECK(c.vocab.size() == 33'278);
  CHECK(count(c.train, c.vocab.find("<unk>").value()) == 54'625);
  CHECK(count(c.train, c.vocab.find("<eos>").value()) == 36'718);  // blank lines included
}

TEST_CASE("text8 format loads at character level, split 90/5/5 %", "[data]") {
  const std::string dir = std::string(HITNET_SOURCE_DIR) + "/tests/data/text8_small";
  std::ifstream in(dir + "/text8", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(text.size() == 2003);

  const Corpus c = load_corpus(shipped("text8", dir), "/unused-root-for-absolute-paths");
  CHECK(c.train.size() == 1802);  // floor(2003 * 0.90)
  CHECK(c.valid.size() == 100);   // floor(2003 * 0.95) - 1802
  CHECK(c.test.size() == 101);
  CHECK(c.vocab.size() == 27);  // a-z and the space, spelt _
  CHECK(c.vocab.word(0) == "_");
  CHECK(c.vocab.word(1) == "t");
  std::string decoded;
  for (int32_t id : c.train) decoded += c.vocab.word(id) == "_" ? " " : c.vocab.word(id);
  for (int32_t id : c.valid) decoded += c.vocab.word(id) == "_" ? " " : c.vocab.word(id);
  for (int32_t id : c.test) decoded += c.vocab.word(id) == "_" ? " " : c.vocab.word(id);
  CHECK(decoded == text);
}

TEST_CASE("text8: a character missing from train is an error with its position", "[data]") {
  TempDir tmp("text8");
  tmp.write("text8", std::string(90, 'a') + std::string(9, 'a') + "q");
  const std::string message = load_error(shipped("text8", tmp.path.string()));
  CHECK_THAT(message, Catch::Contains("text8") && Catch::Contains("character 100") &&
                          Catch::Contains("'q'"));
  tmp.write("text8", std::string(100, 'a') + "\n");  // a final newline is not a character
  CHECK(load_corpus(shipped("text8", tmp.path.string()), "/").train.size() == 90);
  tmp.write("text8", "one line\nand another");
  CHECK_THAT(load_error(shipped("text8", tmp.path.string())),
             Catch::Contains("line break at character 9"));
}

TEST_CASE("Mikolov format: lines, blank lines and the trailing lone space", "[data]") {
  Vocab vocab;
  // Blank and whitespace-only lines are one <eos>; the unterminated last line still counts.
  auto ids = tokenize_lines(" a b \n\n \n c", vocab, VocabUse::build, "t.txt");
  std::vector<std::string> words;
  for (int32_t id : ids) words.push_back(vocab.word(id));
  CHECK(words == std::vector<std::string>{"a", "b", "<eos>", "<eos>", "<eos>", "c", "<eos>"});
  // ptb.char files end in "\n ": that final space is not a line.
  CHECK(tokenize_lines(" x _ y \n z \n ", vocab, VocabUse::build, "t.txt").size() == 6);
  CHECK_THROWS_WITH(tokenize_lines(" \n\t\n", vocab, VocabUse::build, "t.txt"),
                    Catch::Contains("t.txt") && Catch::Contains("no tokens"));
}

TEST_CASE("a checksum mismatch names the file and both hashes", "[data]") {
  TempDir tmp("checksum");
  tmp.write("train.txt", "a b c\n");
  tmp.write("valid.txt", "a b\n");
  tmp.write("test.txt", "c\n");
  const std::string actual = sha256_hex("a b\n");
  const std::string wrong(64, '0');
  tmp.write("SHA256SUMS", sha256_hex("a b c\n") + "  train.txt\n" + wrong + "  valid.txt\n");
  DataConfig cfg = tmp.files_config();
  const std::string message = load_error(cfg);
  CHECK_THAT(message, Catch::Contains("valid.txt") && Catch::Contains("checksum mismatch") &&
                          Catch::Contains(wrong) && Catch::Contains(actual));
  cfg.verify_checksum = false;
  CHECK(load_corpus(cfg, "/").valid.size() == 3);

  cfg.verify_checksum = true;
  tmp.write("SHA256SUMS", "not a checksum line\n");
  CHECK_THAT(load_error(cfg), Catch::Contains("SHA256SUMS:1"));
  // sha256 itself, against the FIPS 180-2 test vector.
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // What counts as a written SHA-256: 64 hex digits, upper case only where sha256sum allows it.
  const std::string upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
  CHECK(is_sha256_hex(sha256_hex("abc")));
  CHECK_FALSE(is_sha256_hex(upper));
  CHECK(is_sha256_hex(upper, true));
  CHECK_FALSE(is_sha256_hex(sha256_hex("abc").substr(1)));
  CHECK_FALSE(is_sha256_hex(std::string(63, 'a') + "g", true));
}

TEST_CASE("missing, empty, unreadable and corrupt files are errors naming the file", "[data]") {
  TempDir tmp("errors");
  tmp.write("train.txt", "a b c\n");
  tmp.write("test.txt", "c\n");
  const DataConfig cfg = tmp.files_config();
  CHECK_THAT(load_error(cfg), Catch::Contains("valid.txt") && Catch::Contains("not found"));

  tmp.write("valid.txt", "");
  CHECK_THAT(load_error(cfg), Catch::Contains("valid.txt") && Catch::Contains("empty"));

  tmp.write("valid.txt", "  \n \n");
  CHECK_THAT(load_error(cfg), Catch::Contains("valid.txt") && Catch::Contains("no tokens"));

  fs::remove(tmp.path / "valid.txt");
  fs::create_directory(tmp.path / "valid.txt");
  CHECK_THAT(load_error(cfg), Catch::Contains("valid.txt") && Catch::Contains("not a regular"));

  fs::remove(tmp.path / "valid.txt");
  tmp.write("valid.txt.xz", "this is not xz data");
  CHECK_THAT(load_error(cfg), Catch::Contains("valid.txt.xz") && Catch::Contains("decompress"));

  DataConfig no_files = cfg;
  no_files.test_file.clear();
  CHECK_THAT(load_error(no_files), Catch::Contains("data.test_file"));
  CHECK_THAT(load_error(shipped("ptb", "no/such/folder")),
             Catch::Contains("ptb.train.txt") && Catch::Contains("not found"));
  CHECK_THAT(load_error(shipped("ptb3", "data/ptb")), Catch::Contains("unknown corpus 'ptb3'"));
}

TEST_CASE("valid/test tokens outside the vocabulary: <unk> if there is one, else an error",
          "[data]") {
  TempDir tmp("oov");
  tmp.write("train.txt", "a b\nb c\n");
  tmp.write("valid.txt", "a b\nc zebra a\n");
  tmp.write("test.txt", "c\n");
  const std::string message = load_error(tmp.files_config());
  CHECK_THAT(message, Catch::Contains("'zebra'") && Catch::Contains("valid.txt") &&
                          Catch::Contains("line 2") && Catch::Contains("<unk>"));

  tmp.write("train.txt", "a b <unk>\nb c\n");
  const Corpus c = load_corpus(tmp.files_config(), "/");
  const int32_t unk = c.vocab.find("<unk>").value();
  CHECK(c.vocab.size() == 5);  // a b <unk> <eos> c
  CHECK(c.valid == std::vector<int32_t>{0, 1, 3, 4, unk, 0, 3});
}

TEST_CASE("batching: windows, the last partial window, shifted targets", "[data]") {
  std::vector<int32_t> tokens(103);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>(i);
  // 103 tokens in 4 streams: 25 each (3 dropped), 24 input steps, bptt 10 -> windows 10, 10, 4.
  const BatchedSplit split(tokens, 4, 10);
  REQUIRE(split.steps() == 24);
  REQUIRE(split.num_windows() == 3);
  CHECK(split.tokens_per_epoch() == 96);
  CHECK(split.window(0).len == 10);
  CHECK(split.window(2).len == 4);
  CHECK_THROWS_AS(split.window(3), std::out_of_range);

  // Stream b reads tokens[25b, 25b + 25) in order; every target is the token after its input,
  // and every token of a stream but its first is a target exactly once.
  std::map<int32_t, int> seen_as_target;
  int step = 0;
  for (int w = 0; w < split.num_windows(); ++w) {
    const Window win = split.window(w);
    CHECK(win.batch == 4);
    for (int t = 0; t < win.len; ++t, ++step)
      for (int b = 0; b < 4; ++b) {
        CHECK(win.inputs[t * 4 + b] == 25 * b + step);
        CHECK(win.targets[t * 4 + b] == win.inputs[t * 4 + b] + 1);
        ++seen_as_target[win.targets[t * 4 + b]];
      }
  }
  CHECK(step == 24);
  REQUIRE(seen_as_target.size() == 96);
  for (int b = 0; b < 4; ++b)
    for (int i = 1; i < 25; ++i) CHECK(seen_as_target[25 * b + i] == 1);

  CHECK(BatchedSplit(tokens, 4, 24).num_windows() == 1);  // exact fit: no empty extra window
  CHECK_THROWS_WITH(BatchedSplit(tokens, 60, 10), Catch::Contains("103 tokens"));
  CHECK_THROWS_AS(BatchedSplit(tokens, 0, 10), DataError);
}

TEST_CASE("synthetic corpus: deterministic, sized as asked, learnable", "[data]") {
  DataConfig cfg;
  cfg.corpus = "synthetic";
  cfg.synthetic_vocab = 50;
  cfg.synthetic_tokens = 20000;
  const Corpus a = load_corpus(cfg, "/");
  const Corpus b = load_corpus(cfg, "/");
  CHECK(a.train == b.train);
  CHECK(a.train.size() == 20000);
  CHECK(a.valid.size() == 2000);
  CHECK(a.test.size() == 2000);
  CHECK(a.vocab.size() == 50);
  CHECK(a.vocab.word(7) == "w7");
  CHECK(make_synthetic_corpus(50, 20000, 2).train != a.train);

  // The bigram statistics of train give a perplexity on valid near the chain's best (~2.23),
  // far below the uniform baseline of 50: there is something to learn.
  std::vector<std::vector<double>> bigram(50, std::vector<double>(50, 0.01));
  for (size_t i = 0; i + 1 < a.train.size(); ++i) bigram[a.train[i]][a.train[i + 1]] += 1;
  double nll = 0;
  for (size_t i = 0; i + 1 < a.valid.size(); ++i) {
    const auto& row = bigram[a.valid[i]];
    double total = 0;
    for (double x : row) total += x;
    nll -= std::log(row[a.valid[i + 1]] / total);
  }
  const double ppl = std::exp(nll / static_cast<double>(a.valid.size() - 1));
  CHECK(synthetic_best_perplexity() == Approx(2.23).epsilon(0.01));
  CHECK(ppl < 1.2 * synthetic_best_perplexity());
  CHECK_THROWS_AS(make_synthetic_corpus(1, 100), DataError);
}
