// Fuzz target: the bytes of a corpus file, read as the corpus loader reads data files. The
// first byte picks the format: word lines (Mikolov's, as data.corpus=files), the same with
// valid/test taken after the first NUL byte (unknown tokens), text8's characters, or an .xz
// file. Loading and batching either succeed or throw DataError; anything else is a bug.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/config/config.hpp"
#include "core/data/batches.hpp"
#include "core/data/corpus.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("hitnet-fuzz-corpus-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

void write(const std::string& name, std::string_view bytes) {
  std::ofstream(scratch_dir() / name, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const auto& entry : fs::directory_iterator(scratch_dir())) fs::remove(entry.path());
  hitnet::DataConfig cfg;
  cfg.path = scratch_dir().string();
  cfg.verify_checksum = false;
  cfg.corpus = "files";
  cfg.train_file = "train.txt", cfg.valid_file = "valid.txt", cfg.test_file = "test.txt";
  switch (data[0] % 4) {
    case 0:
      for (const char* f : {"train.txt", "valid.txt", "test.txt"}) write(f, bytes);
      break;
    case 1: {
      const std::size_t cut = std::min(bytes.find('\0'), bytes.size());
      write("train.txt", bytes.substr(0, cut));
      const std::string_view rest = cut < bytes.size() ? bytes.substr(cut + 1) : bytes;
      write("valid.txt", rest);
      write("test.txt", rest);
      break;
    }
    case 2:
      cfg.corpus = "text8";
      cfg.train_file = "text8";
      write("text8", bytes);
      break;
    default:
      write("train.txt.xz", bytes);
      write("valid.txt", "a b\n");
      write("test.txt", "a b\n");
  }
  try {
    const hitnet::Corpus corpus = hitnet::load_corpus(cfg, "/");
    hitnet::BatchedSplit batched(corpus.train, 2, 3);
    for (int k = 0; k < batched.num_windows(); ++k) batched.window(k);
  } catch (const hitnet::DataError&) {
  }
  return 0;
}
