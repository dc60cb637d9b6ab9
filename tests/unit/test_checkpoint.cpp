// Checkpoints are never trusted blindly: every byte of a file is covered by its SHA-256, so a
// flipped byte anywhere, a truncation or a foreign file is an error naming the file; format-1
// files (no checksum) still load, marked unverified; and the latest/previous pair falls back
// to the previous checkpoint when the latest is damaged.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/io/atomic_file.hpp"
#include "core/io/checkpoint.hpp"
#include "core/io/checkpoint_files.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

Checkpoint small_checkpoint(float offset = 0) {
  Checkpoint ck;
  Vector v(5);
  v << 1.5f + offset, -2, 0, 3.25f, 1e-3f;
  ck.put("params", v);
  ck.put("pos.epoch", 3.0 + offset);
  ck.put("rng", std::string("12345 678"));
  ck.put("empty", Vector(0));
  return ck;
}

// What the first hitnet (format 1, no checksum) wrote for the same records: the magic, version
// 1, then the record payload, which format 2 keeps unchanged between its header and checksum.
std::string as_format_1(const std::string& format_2) {
  uint64_t payload_length = 0;
  std::memcpy(&payload_length, format_2.data() + 12, sizeof payload_length);
  std::string out = format_2.substr(0, 8);
  const uint32_t version = 1;
  out.append(reinterpret_cast<const char*>(&version), sizeof version);
  out += format_2.substr(20, payload_length);
  return out;
}

std::string error_of(const std::string& bytes, const std::string& source = "dir/latest.ckpt") {
  try {
    Checkpoint::from_bytes(bytes, source);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("hitnet_ckpt_" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str() const { return path.string(); }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("a checkpoint round-trips every kind of record and is verified", "[checkpoint]") {
  const Checkpoint back = Checkpoint::from_bytes(small_checkpoint().to_bytes(), "mem");
  CHECK(back.verified());
  CHECK(back.floats("params", 5)(3) == 3.25f);
  CHECK(back.floats("empty").size() == 0);
  CHECK(back.number("pos.epoch") == 3.0);
  CHECK(back.text("rng") == "12345 678");
}

TEST_CASE("a changed byte anywhere in a checkpoint is detected", "[checkpoint]") {
  const std::string good = small_checkpoint().to_bytes();
  REQUIRE(error_of(good) == "(no error)");
  // Every position, with a one-bit change, an all-bits change and a change to version 1 (the
  // format without a checksum): none may load.
  for (std::size_t pos = 0; pos < good.size(); ++pos)
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(static_cast<unsigned char>(bad[pos]) ^ mask);
      INFO("byte " << pos << " xor " << int(mask));
      CHECK_THAT(error_of(bad), Catch::StartsWith("dir/latest.ckpt: "));
    }
  std::string as_v1 = good;
  as_v1[8] = 1;
  CHECK_THAT(error_of(as_v1), Catch::StartsWith("dir/latest.ckpt: "));
}

TEST_CASE("random damage to a larger checkpoint is detected", "[checkpoint]") {
  Checkpoint ck = small_checkpoint();
  ck.put("big", Vector::LinSpaced(20000, -1, 1));
  const std::string good = ck.to_bytes();
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pos(0, good.size() - 1);
  std::uniform_int_distribution<int> value(1, 255);
  for (int k = 0; k < 500; ++k) {
    std::string bad = good;
    const std::size_t p = pos(rng);
    bad[p] = static_cast<char>(static_cast<unsigned char>(bad[p]) ^ value(rng));
    INFO("byte " << p);
    CHECK_THAT(error_of(bad), Catch::StartsWith("dir/latest.ckpt: "));
  }
}

TEST_CASE("a truncated, empty or foreign file is an error naming it", "[checkpoint]") {
  const std::string good = small_checkpoint().to_bytes();
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("first " << n << " bytes");
    CHECK_THAT(error_of(good.substr(0, n)), Catch::StartsWith("dir/latest.ckpt: "));
  }
  CHECK_THAT(error_of(good + "x"), Catch::Contains("truncated or damaged"));
  CHECK_THAT(error_of(""), Catch::Contains("empty"));
  CHECK_THAT(error_of("name: tiny\nseed: 1\n"), Catch::Contains("not a hitnet checkpoint"));
  std::string damaged = good;
  damaged[30] ^= 0x10;
  CHECK_THAT(error_of(damaged), Catch::Contains("checksum does not match"));
  std::string future = good;
  future[8] = 9;
  CHECK_THAT(error_of(future), Catch::Contains("format 9"));

  TempDir dir;
  const std::string missing = dir.str() + "/nothing.ckpt";
  CHECK_THROWS_WITH(Checkpoint::load(missing), Catch::StartsWith(missing + ": cannot open"));
}

TEST_CASE("a format-1 checkpoint (no checksum) still loads, marked unverified", "[checkpoint]") {
  const std::string v1 = as_format_1(small_checkpoint().to_bytes());
  const Checkpoint back = Checkpoint::from_bytes(v1, "old.ckpt");
  CHECK_FALSE(back.verified());
  CHECK(back.floats("params", 5)(0) == 1.5f);
  CHECK(back.text("rng") == "12345 678");
  // Structural damage is still caught; a flipped value inside a record cannot be.
  CHECK_THAT(error_of(v1.substr(0, v1.size() - 1)), Catch::Contains("truncated"));
  CHECK_THAT(error_of(v1 + "junk"), Catch::Contains("after its last record"));

  TempDir dir;
  const std::string path = dir.str() + "/latest.ckpt";
  write_bytes(path, v1);
  const LoadedCheckpoint loaded = load_checkpoint_file(path);
  REQUIRE(loaded.notes.size() == 1);
  CHECK_THAT(loaded.notes[0], Catch::Contains(path) && Catch::Contains("cannot be verified"));
  CHECK(load_checkpoint_file(dir.str() + "/latest.ckpt").checkpoint.number("pos.epoch") == 3.0);
}

TEST_CASE("a record whose length does not fit its kind is malformed, not read past",
          "[checkpoint]") {
  // Format 1 has no checksum, so a reader must survive any payload: a float record of 5 bytes.
  std::string v1("HITNETCK", 8);
  auto put = [&v1](auto v) { v1.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(uint32_t{1});  // version
  put(uint32_t{1});  // one record
  put(uint32_t{1});
  v1 += "p";
  put(uint8_t{0});   // floats
  put(uint64_t{5});  // not a multiple of 4
  v1 += "abcde";
  CHECK_THAT(error_of(v1), Catch::Contains("record 'p' is malformed"));
}

TEST_CASE("save_latest keeps the previous checkpoint; a damaged latest falls back to it",
          "[checkpoint]") {
  TempDir dir;
  const std::string latest = dir.str() + "/latest.ckpt", previous = dir.str() + "/previous.ckpt";
  CHECK_FALSE(has_resume_checkpoint(dir.str()));
  CHECK_THROWS_WITH(load_latest_good(dir.str()), Catch::Contains("no checkpoint to resume from"));

  save_latest(dir.str(), small_checkpoint(1));
  CHECK(fs::exists(latest));
  CHECK_FALSE(fs::exists(previous));
  save_latest(dir.str(), small_checkpoint(2));
  CHECK(Checkpoint::load(previous).number("pos.epoch") == 4.0);
  CHECK(Checkpoint::load(latest).number("pos.epoch") == 5.0);
  save_latest(dir.str(), small_checkpoint(3));
  CHECK(Checkpoint::load(previous).number("pos.epoch") == 5.0);
  for (const auto& entry : fs::directory_iterator(dir.path))
    CHECK_FALSE(is_temp_name(entry.path().filename().string()));

  SECTION("a good latest is used, without notes") {
    const LoadedCheckpoint loaded = load_latest_good(dir.str());
    CHECK(loaded.path == latest);
    CHECK(loaded.notes.empty());
    CHECK(loaded.checkpoint.number("pos.epoch") == 6.0);
  }
  SECTION("a flipped byte in latest: previous, with a note, and latest moved aside") {
    std::string bytes = read_bytes(latest);
    bytes[bytes.size() / 2] ^= 0x04;
    write_bytes(latest, bytes);
    const LoadedCheckpoint loaded = load_latest_good(dir.str());
    CHECK(loaded.path == previous);
    CHECK(loaded.checkpoint.number("pos.epoch") == 5.0);
    REQUIRE(loaded.notes.size() == 1);
    CHECK_THAT(loaded.notes[0], Catch::Contains(latest) && Catch::Contains("checksum") &&
                                    Catch::Contains("resuming from " + previous));
    CHECK(fs::exists(latest + ".damaged"));
    CHECK_FALSE(fs::exists(latest));
    // The next save keeps the good previous checkpoint rather than rotating a damaged one in.
    save_latest(dir.str(), small_checkpoint(4));
    CHECK(Checkpoint::load(previous).number("pos.epoch") == 5.0);
    CHECK(load_latest_good(dir.str()).checkpoint.number("pos.epoch") == 7.0);
  }
  SECTION("a truncated latest falls back too") {
    const std::string bytes = read_bytes(latest);
    write_bytes(latest, bytes.substr(0, bytes.size() - 100));
    CHECK(load_latest_good(dir.str()).checkpoint.number("pos.epoch") == 5.0);
  }
  SECTION("a missing latest (a crash between two renames) falls back") {
    fs::remove(latest);
    CHECK(has_resume_checkpoint(dir.str()));
    const LoadedCheckpoint loaded = load_latest_good(dir.str());
    CHECK(loaded.path == previous);
    CHECK_THAT(loaded.notes.at(0), Catch::Contains("missing"));
  }
  SECTION("neither good: one error naming both files") {
    write_bytes(latest, "garbage");
    write_bytes(previous, read_bytes(previous).substr(0, 40));
    CHECK_THROWS_WITH(load_latest_good(dir.str()),
                      Catch::Contains(latest) && Catch::Contains(previous));
    CHECK(fs::exists(latest));  // nothing is moved when there is nothing to fall back to
  }
}
