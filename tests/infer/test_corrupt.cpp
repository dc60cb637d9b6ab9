// A corrupt, truncated or foreign file is a clear FormatError, never a crash: every truncation
// length of a small model, random byte flips (caught by the checksum), and flips with the
// checksum recomputed, which the parser's own checks must survive; ternary scale groups that do
// not fit their matrix are named.
#include <lzma.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/infer/packed_format.hpp"
#include "random_model.hpp"

using namespace hitnet::infer;
using namespace hitnet::infer::test;

namespace {

// Ternary matrices with a scale per gate block, W_hh's diagonals apart: every field of a ternary
// record is there to be truncated and flipped.
std::string small_model_bytes(Cell cell = Cell::kLstm) {
  Scheme s;
  s.cell = cell, s.vocab = 7, s.embedding = 5, s.hidden = 6, s.layers = 2;
  s.btq = all_placements(cell);
  s.row_blocks = cell == Cell::kLstm ? 4 : 3, s.diagonal_apart = true;
  return serialize_packed(random_model(s, 21));
}

// The bytes with their trailing CRC-64 recomputed, as a writer that meant them would have.
std::string resealed(std::string bytes) {
  const std::size_t body = bytes.size() - 8;
  const uint64_t crc = lzma_crc64(reinterpret_cast<const uint8_t*>(bytes.data()), body, 0);
  std::memcpy(bytes.data() + body, &crc, sizeof crc);
  return bytes;
}

// The FormatError message of parsing `bytes`, or "" when they parse.
std::string parse_error(const std::string& bytes) {
  try {
    parse_packed(bytes, "model.hnt");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

template <typename T>
std::string with_field(std::string bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
  return resealed(bytes);
}

// Where tensor `name`'s ternary record starts (its row-block count): after the name, the kind,
// three reserved bytes and the shape.
std::size_t ternary_record(const std::string& bytes, const std::string& name) {
  const std::size_t at = bytes.find(name);
  REQUIRE(at != std::string::npos);
  return at + name.size() + 12;
}

}  // namespace

TEST_CASE("every truncation of a model is an error that says so", "[infer][corrupt]") {
  const std::string bytes = small_model_bytes();
  REQUIRE(parse_error(bytes).empty());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("first " << n << " of " << bytes.size() << " bytes");
    const std::string msg = parse_error(bytes.substr(0, n));
    REQUIRE(msg.rfind("model.hnt: ", 0) == 0);  // names the file
    REQUIRE((msg.find("truncated") != std::string::npos ||
             (n == 0 && msg.find("empty file") != std::string::npos)));
  }
  CHECK_THAT(parse_error(bytes + "x"), Catch::Contains("1 unexpected bytes after"));
}

TEST_CASE("random byte flips are caught", "[infer][corrupt]") {
  for (Cell cell : {Cell::kLstm, Cell::kGru}) {
    const std::string bytes = small_model_bytes(cell);
    std::mt19937_64 rng(31);
    for (int trial = 0; trial < 3000; ++trial) {
      std::string bad = bytes;
      const int flips = 1 + trial % 3;
      for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] ^= char(1 + rng() % 255);
      if (bad == bytes) continue;
      INFO("trial " << trial);
      REQUIRE(!parse_error(bad).empty());
    }
  }
}

TEST_CASE("flips the checksum does not see are caught by the parser or harmless",
          "[infer][corrupt]") {
  // Every byte flipped in turn with the checksum recomputed: the parser must either reject the
  // file with a FormatError or read a model that passes its own validation; nothing else.
  const std::string bytes = small_model_bytes();
  int rejected = 0, read = 0;
  for (std::size_t at = 0; at + 8 < bytes.size(); ++at)
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[at] ^= char(x);
      bad = resealed(bad);
      try {
        const PackedModel m = parse_packed(bad, "model.hnt");
        m.validate();
        ++read;
      } catch (const FormatError& e) {
        ++rejected;
        REQUIRE(std::string(e.what()).rfind("model.hnt: ", 0) == 0);
      }
    }
  CHECK(rejected > 0);
  CHECK(read > 0);  // flips inside float values give another valid model
}

TEST_CASE("inconsistent fields are named", "[infer][corrupt]") {
  const std::string bytes = small_model_bytes();
  // Header: 24 bytes; model: cell at 24, tied at 25, reserved 26-27, layers at 28, vocab 32.
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, 24, 7)), Catch::Contains("cell 7"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, 25, 2)), Catch::Contains("tied flag 2"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, 25, 1)), Catch::Contains("tied decoder"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 28, 0)), Catch::Contains("must be in [1,"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 28, 4000000)),
             Catch::Contains("layers cannot fit"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 32, 2000000000)),
             Catch::Contains("must be in [1,"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 32, 8)), Catch::Contains("malformed"));
  // First layer: kinds at 44, 45; a kind that does not match its tensor.
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, 44, 0)),
             Catch::Contains("the layer header says float32"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, 44, 5)), Catch::Contains("weight kinds"));
  // Placements: the low byte rounds (7 for an LSTM), the high byte gives sigmoids {0, 1/2, 1}.
  CHECK_THAT(parse_error(with_field<uint16_t>(bytes, 46, 0x80)),
             Catch::Contains("placements a lstm does not have"));
  CHECK_THAT(parse_error(with_field<uint16_t>(bytes, 46, 0x100)),  // i not BTQ
             Catch::Contains("not a BTQ sigmoid output"));
  CHECK_THAT(parse_error(with_field<uint16_t>(bytes, 46, 0x7f | 1 << (8 + kLstmG))),  // tanh
             Catch::Contains("not a BTQ sigmoid output"));
  CHECK(parse_error(with_field<uint16_t>(bytes, 46, 0x7f | 0x700)).empty());  // i f o halves
  CHECK_THAT(parse_error(with_field<float>(bytes, 48, -1.0f)), Catch::Contains("sloping factor"));
}

TEST_CASE("weights marked both +1 and -1 or past the last column are refused", "[infer][corrupt]") {
  Scheme s;
  s.vocab = 3, s.embedding = 4, s.hidden = 3;
  PackedModel m = random_model(s, 5);
  const std::string good = serialize_packed(m);
  auto& t = std::get<TernaryMatrix>(m.layers[0].w_hh);
  const std::string plus(reinterpret_cast<const char*>(t.plus.data()), t.plane_bytes());
  const std::size_t at = good.find(plus);
  REQUIRE(at != std::string::npos);
  REQUIRE(at % 64 == 0);  // the plane itself, not the same bits inside another tensor
  std::string both = good;
  both[at + t.plane_bytes()] |= good[at];  // -1 plane takes the +1 bits of row 0
  both[at] |= 1, both[at + t.plane_bytes()] |= 1;
  CHECK_THAT(parse_error(resealed(both)), Catch::Contains("both +1 and -1"));
  std::string padding = good;
  padding[at] |= char(0x80);  // column 7 of a 3-column row
  CHECK_THAT(parse_error(resealed(padding)), Catch::Contains("past its last column"));
  t.plus[0] |= 0x80;
  CHECK_THROWS_AS(serialize_packed(m), std::invalid_argument);  // nor written
}

TEST_CASE("scale groups that do not fit their matrix are refused", "[infer][corrupt]") {
  // LSTM, 24 x 5 W_ih and 24 x 6 W_hh, each in 4 row blocks; W_hh's diagonals apart.
  const std::string bytes = small_model_bytes();
  const std::size_t ih = ternary_record(bytes, "lstm0.w_ih"),
                    hh = ternary_record(bytes, "lstm0.w_hh");
  uint32_t blocks;
  std::memcpy(&blocks, bytes.data() + hh, sizeof blocks);
  REQUIRE(blocks == 4);
  REQUIRE(bytes[hh + 4] == 1);  // diagonal apart
  REQUIRE(bytes[ih + 4] == 0);
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, hh, 0)),
             Catch::Contains("tensor 'lstm0.w_hh': 0 row blocks"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, hh, 5)),
             Catch::Contains("24 x 6 matrix does not split into 5 equal row blocks"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, hh, 0xffffffff)),  // nothing allocated
             Catch::Contains("does not split into 4294967295 equal row blocks"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, ih + 4, 1)),
             Catch::Contains("tensor 'lstm0.w_ih': a diagonal apart needs stacked square blocks"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, hh + 4, 2)),
             Catch::Contains("tensor 'lstm0.w_hh' has diagonal flag 2"));
  CHECK_THAT(parse_error(with_field<uint8_t>(bytes, hh + 6, 1)),
             Catch::Contains("ternary reserved bytes is not zero"));
  // The 4 block scales from hh + 8, then the 4 diagonal scales: each finite and >= 0.
  CHECK_THAT(parse_error(with_field(bytes, hh + 12, std::numeric_limits<float>::quiet_NaN())),
             Catch::Contains("model.hnt: malformed: lstm0.w_hh has scale nan in row block 1"));
  CHECK_THAT(parse_error(with_field(bytes, hh + 8, std::numeric_limits<float>::infinity())),
             Catch::Contains("lstm0.w_hh has scale inf in row block 0"));
  CHECK_THAT(parse_error(with_field(bytes, hh + 8 + 16 + 12, -0.5f)),
             Catch::Contains("lstm0.w_hh has diagonal scale -0.5"));
  CHECK(parse_error(with_field(bytes, hh + 8, 0.0f)).empty());  // α = 0 is a valid scale
  // Cut inside the scales, with a size and checksum that match the cut: they cannot be read.
  std::string cut = bytes.substr(0, hh + 8 + 6) + std::string(8, '\0');
  cut = with_field<uint64_t>(cut, 16, cut.size());
  CHECK_THAT(parse_error(cut), Catch::Contains("scales of tensor 'lstm0.w_hh' needs 4 values of "
                                               "4 bytes, only 6 bytes remain"));
}

TEST_CASE("foreign files and other versions are named for what they are", "[infer][corrupt]") {
  const std::string bytes = small_model_bytes();
  CHECK_THAT(parse_error("HITNETCK" + std::string(40, '\0')),
             Catch::Contains("training checkpoint, export it with hitnet-export"));
  CHECK_THAT(parse_error("hello world\n"), Catch::Contains("not a hitnet packed model"));
  CHECK_THAT(parse_error(std::string(100, '\x7f')), Catch::Contains("not a hitnet packed model"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 8, 4)),
             Catch::Contains("version 4, this build reads versions 2 to 3 (written by a newer"));
  CHECK_THAT(parse_error(with_field<uint32_t>(bytes, 8, 1)), Catch::Contains("re-export"));
  CHECK(!parse_error(with_field<uint32_t>(bytes, 8, 2)).empty());  // a version-3 record as 2
  CHECK_THAT(parse_error(with_field<uint64_t>(bytes, 16, 5)), Catch::Contains("unexpected bytes"));

  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "hitnet-infer-tests";
  fs::create_directories(dir);
  CHECK_THROWS_WITH(load_packed((dir / "missing.hnt").string()),
                    Catch::Contains("missing.hnt: cannot open"));
  CHECK_THROWS_WITH(load_packed(dir.string()), Catch::Contains("is a directory"));
  std::ofstream((dir / "empty.hnt").string()).close();
  CHECK_THROWS_WITH(load_packed((dir / "empty.hnt").string()), Catch::Contains("empty file"));
  std::ofstream((dir / "ok.hnt").string(), std::ios::binary) << bytes;
  CHECK(load_packed((dir / "ok.hnt").string()) == parse_packed(bytes, "memory"));
  fs::remove_all(dir);
}
