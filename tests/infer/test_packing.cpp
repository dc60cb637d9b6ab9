// Packing round-trips exactly: codes -> bit planes -> codes, and a model -> file bytes -> model,
// for every weight kind and placement; the planes are what the file says (2 bits per weight,
// 64-byte aligned), and the paper's shape meets the memory target.
#include <catch2/catch.hpp>
#include <cstring>

#include "core/infer/packed_format.hpp"
#include "core/infer/row_blocked_ternary.hpp"
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
    CHECK(t.scale == 0.25f);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) REQUIRE(t.code(r, c) == codes[std::size_t(r) * cols + c]);
    for (std::size_t k = 0; k < t.plus.size(); ++k) {
      CHECK((t.plus[k] & t.minus[k]) == 0);
      if (cols % 64 && k % std::size_t(t.words) == std::size_t(t.words) - 1)
        CHECK(((t.plus[k] | t.minus[k]) >> (cols % 64)) == 0);  // padding stays zero
    }
  }
  const int8_t bad[] = {0, 2};
  CHECK_THROWS_AS(TernaryMatrix::from_codes(bad, 1, 2, 1.0f), std::invalid_argument);
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
}
