// Packing round-trips exactly: codes -> bit planes -> codes, and a model -> file bytes -> model,
// for every weight kind (one scale, a scale per gate block, W_hh's diagonal apart) and
// placement; version-2 files still read; the planes are what the file says (2 bits per weight,
// 64-byte aligned), and the paper's shape meets the memory target.
#include <catch2/catch.hpp>
#include <cstring>

#include "core/infer/packed_format.hpp"
#include "core/infer/row_blocked_ternary.hpp"
#include "format_version2.hpp"
#include "random_model.hpp"

using namespace hitnet::infer;
using namespace hitnet::infer::test;

TEST_CASE("ternary codes round-trip through the bit planes", "[infer][packing]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> code(-1, 1);
  for (int cols : {1, 7, 63, 64, 65, 128, 130, 300}) {
    const int rows = 5;
    std::vector<int8_t> codes(std::size_t(rows) * cols);
    for (auto& c : codes) c = int8_t(code(rng));
    const TernaryMatrix t = TernaryMatrix::from_codes(codes.data(), rows, cols, 0.25f);
    CHECK(t.words == (cols + 63) / 64);
    CHECK(t.plus.size() == std::size_t(rows) * t.words);
    CHECK(t.scales == std::vector<float>{0.25f});
    CHECK(!t.diagonal_apart());
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        REQUIRE(t.code(r, c) == codes[std::size_t(r) * cols + c]);
        REQUIRE(t.weight(r, c) == 0.25f * float(codes[std::size_t(r) * cols + c]));
      }
    for (std::size_t k = 0; k < t.plus.size(); ++k) {
      CHECK((t.plus[k] & t.minus[k]) == 0);
      if (cols % 64 && k % std::size_t(t.words) == std::size_t(t.words) - 1)
        CHECK(((t.plus[k] | t.minus[k]) >> (cols % 64)) == 0);  // padding stays zero
    }
  }
  const int8_t bad[] = {0, 2};
  CHECK_THROWS_AS(TernaryMatrix::from_codes(bad, 1, 2, 1.0f), std::invalid_argument);
}

TEST_CASE("each weight takes the scale of its row block or of its block's diagonal",
          "[infer][packing]") {
  // W_hh of a GRU with 2 units: 3 gate blocks of 2 x 2, the diagonal (r % 2 == c) apart.
  std::vector<int8_t> codes(6 * 2, 1);
  codes[3] = -1, codes[6] = 0;  // (1, 1) on the diagonal, (3, 0) off it
  const TernaryMatrix t =
      TernaryMatrix::from_codes(codes.data(), 6, 2, {0.1f, 0.2f, 0.3f}, {1.0f, 2.0f, 3.0f});
  CHECK(t.block_rows() == 2);
  CHECK(t.diagonal_apart());
  const float want[6][2] = {{1, 0.1f}, {0.1f, -1}, {2, 0.2f}, {0, 2}, {3, 0.3f}, {0.3f, 3}};
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 2; ++c) {
      INFO("(" << r << ", " << c << ")");
      CHECK(t.on_diagonal(r, c) == (r % 2 == c));
      CHECK(t.scale_at(r, c) == (r % 2 == c ? 1.0f : 0.1f) * float(r / 2 + 1));
      CHECK(t.weight(r, c) == want[r][c]);
    }
  // One row block with a diagonal apart: one diagonal scale across every gate block.
  const TernaryMatrix one = TernaryMatrix::from_codes(codes.data(), 6, 2, {0.5f}, {4.0f});
  CHECK(one.block_rows() == 6);
  CHECK(one.weight(4, 0) == 4.0f);
  CHECK(one.weight(4, 1) == 0.5f);

  auto refused = [&](std::vector<float> scales, std::vector<float> diagonal, int rows, int cols) {
    CHECK_THROWS_AS(
        TernaryMatrix::from_codes(codes.data(), rows, cols, std::move(scales), std::move(diagonal)),
        std::invalid_argument);
  };
  refused({}, {}, 6, 2);             // no scale at all
  refused({1, 1, 1, 1}, {}, 6, 2);   // 6 rows in 4 blocks
  refused({1, 1, 1}, {1, 1}, 6, 2);  // a diagonal scale missing
  refused({1}, {1}, 4, 3);           // 4 x 3 is no stack of square blocks
  CHECK(TernaryMatrix::grouping_error(6, 2, 3, true).empty());
  CHECK_THAT(TernaryMatrix::grouping_error(6, 2, 0, false), Catch::Contains("0 row blocks"));
}

TEST_CASE("the row-blocked layout holds the same codes", "[infer][packing]") {
  std::mt19937_64 rng(8);
  for (int rows : {1, 7, 8, 9, 20})
    for (int cols : {1, 2, 3, 4, 64, 65, 100}) {
      const TernaryMatrix t = random_ternary(rows, cols, rng);
      const RowBlockedTernary b = RowBlockedTernary::from(t);
      CHECK(b.blocks == (rows + 7) / 8);
      CHECK(b.groups == (cols + 2) / 3);
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
          const int bit = 4 * (r % 8) + c % 3;
          const int plus = (b.plus_block(r / 8)[c / 3] >> bit) & 1;
          const int minus = (b.minus_block(r / 8)[c / 3] >> bit) & 1;
          REQUIRE(plus - minus == t.code(r, c));
        }
      for (std::size_t k = 0; k < b.plus.size(); ++k)  // each nibble's top bit stays clear
        CHECK(((b.plus[k] | b.minus[k]) & 0x88888888u) == 0);
    }
}

TEST_CASE("ternary activations set their planes", "[infer][packing]") {
  const std::vector<float> h{1, 0, -1, -1, 0, 1, 1};
  TernaryPlanes p;
  p.resize(2, 1);
  p.set(1, h.data(), int(h.size()));
  CHECK(p.plus_of(0)[0] == 0);
  CHECK(p.minus_of(0)[0] == 0);
  CHECK(p.plus_of(1)[0] == 0b1100001u);
  CHECK(p.minus_of(1)[0] == 0b0001100u);
}

TEST_CASE("a model round-trips through the file format exactly", "[infer][packing]") {
  std::vector<Scheme> schemes;
  Scheme s;
  schemes.push_back(s);  // LSTM, ternary weights, float activations
  s.btq = all_placements(Cell::kLstm), s.layers = 2, s.tied = true;
  schemes.push_back(s);
  s.ternary_ih = false, s.btq = 0b0010101, s.tied = false, s.hidden = 70, s.embedding = 9;
  schemes.push_back(s);
  Scheme g;
  g.cell = Cell::kGru, g.btq = all_placements(Cell::kGru), g.layers = 3, g.ternary_hh = false;
  g.sigmoid_slope = 0.25f, g.tanh_slope = 2.0f;
  schemes.push_back(g);
  g.ternary_unit = (1u << kGruR) | (1u << kGruZ);  // gates {0, 1/2, 1}
  schemes.push_back(g);
  g.ternary_hh = true, g.diagonal_apart = true;  // the diagonal apart: one group for all gates
  schemes.push_back(g);
  g.row_blocks = 3, g.hidden = 70;  // a scale per gate, and per gate's diagonal
  schemes.push_back(g);
  s = Scheme{};
  s.row_blocks = 4, s.btq = all_placements(Cell::kLstm), s.layers = 2;
  schemes.push_back(s);
  s.diagonal_apart = true, s.embedding = 9;
  schemes.push_back(s);
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    INFO("scheme " << k);
    const PackedModel m = random_model(schemes[k], 100 + k);
    const std::string bytes = serialize_packed(m);
    const PackedModel back = parse_packed(bytes, "memory");
    CHECK(back == m);
    CHECK(serialize_packed(back) == bytes);  // deterministic bytes
    CHECK(back.metadata_value("source") == "tests/infer");
    CHECK(back.metadata_value("absent").empty());
  }
}

TEST_CASE("version-2 files read as one scale per ternary matrix", "[infer][packing]") {
  std::vector<Scheme> schemes(4);
  schemes[0].btq = all_placements(Cell::kLstm), schemes[0].layers = 2;
  schemes[1].cell = Cell::kGru, schemes[1].ternary_ih = false, schemes[1].tied = true;
  schemes[2].cell = Cell::kGru, schemes[2].ternary_unit = 1u << kGruZ;
  schemes[2].btq = all_placements(Cell::kGru);
  schemes[3].ternary_ih = schemes[3].ternary_hh = false;  // no ternary tensor at all
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    INFO("scheme " << k);
    const PackedModel m = random_model(schemes[k], 200 + k);
    const std::string old = serialize_version2(m);
    uint32_t version;
    std::memcpy(&version, old.data() + 8, sizeof version);
    REQUIRE(version == 2);
    CHECK(parse_packed(old, "old.hnt") == m);
    const std::string bytes = serialize_packed(m);  // written again: version 3
    std::memcpy(&version, bytes.data() + 8, sizeof version);
    CHECK(version == kPackedFormatVersion);
    CHECK(parse_packed(bytes, "new.hnt") == m);
    if (k == 3)  // without ternary tensors the versions differ in the version and checksum alone
      CHECK(old.substr(12, old.size() - 20) == bytes.substr(12, bytes.size() - 20));
  }
}

TEST_CASE("ternary planes are stored 64-byte aligned at 2 bits per weight", "[infer][packing]") {
  Scheme s;
  s.embedding = 300, s.hidden = 300, s.vocab = 50;
  const PackedModel m = random_model(s, 3);
  const std::string bytes = serialize_packed(m);
  for (const auto* w : {&m.layers[0].w_ih, &m.layers[0].w_hh}) {
    const auto& t = std::get<TernaryMatrix>(*w);
    const std::string plus(reinterpret_cast<const char*>(t.plus.data()), t.plane_bytes());
    const std::size_t at = bytes.find(plus);
    REQUIRE(at != std::string::npos);
    CHECK(at % 64 == 0);
    // The -1 plane follows the +1 plane directly.
    CHECK(std::memcmp(bytes.data() + at + plus.size(), t.minus.data(), t.plane_bytes()) == 0);
  }
}

TEST_CASE("the paper's LSTM 1x300 keeps its recurrent weights in 1/12 of float32 or less",
          "[infer][packing]") {
  Scheme s;
  s.embedding = 300, s.hidden = 300, s.vocab = 10;
  const PackedModel m = random_model(s, 4);
  const double ratio =
      double(m.recurrent_weight_bytes()) / double(m.recurrent_weight_float32_bytes());
  // 1200 rows of 300 weights: 5 words per row and plane, 2 planes: 96 000 bytes + 2 scales,
  // against 2 x 1 440 000 bytes.
  CHECK(m.recurrent_weight_bytes() == 2 * (2 * 1200 * 5 * 8 + 4));
  CHECK(ratio <= 1.0 / 12);
  // A scale per gate, and W_hh's four diagonals apart: 4 + 8 scales more, nothing else.
  s.row_blocks = 4, s.diagonal_apart = true;
  CHECK(random_model(s, 4).recurrent_weight_bytes() == 2 * (2 * 1200 * 5 * 8) + (4 + 8) * 4);
}
