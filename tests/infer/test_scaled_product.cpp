// What a session multiplies by: the kernels' product of the codes, each row block times its α
// and a diagonal apart added, against W x with W written out weight by weight (in double), for
// ternary and float inputs, one scale or a scale per block, with and without the diagonal, and
// every kernel variant this CPU runs.
#include <catch2/catch.hpp>

#include "core/infer/scaled_ternary_product.hpp"
#include "random_model.hpp"

using namespace hitnet::infer;
using namespace hitnet::infer::test;

TEST_CASE("a scaled ternary product is W x", "[infer][kernels]") {
  struct Shape {
    int rows, cols, blocks;
    bool diagonal;
  };
  // Stacked square blocks (a W_hh) with and without the diagonal, and a W_ih.
  const Shape shapes[] = {{4, 1, 1, true},    {12, 3, 3, true},    {12, 5, 4, false},
                          {210, 70, 3, true}, {280, 70, 4, true},  {390, 130, 1, true},
                          {256, 64, 4, true}, {256, 64, 1, false}, {280, 33, 4, false}};
  std::mt19937_64 rng(61);
  std::uniform_int_distribution<int> level(-1, 1);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (const Shape& s : shapes)
    for (int batch : {1, 3})
      for (bool ternary_input : {false, true})
        for (Isa isa : supported_isas()) {
          INFO(isa_name(isa) << ", " << s.rows << " x " << s.cols << " in " << s.blocks
                             << " blocks, diagonal " << (s.diagonal ? "apart" : "shared")
                             << ", batch " << batch << ", " << (ternary_input ? "ternary" : "float")
                             << " inputs");
          const TernaryMatrix w = random_ternary(s.rows, s.cols, rng, s.blocks, s.diagonal);
          Eigen::MatrixXf x(s.cols, batch);
          for (Eigen::Index k = 0; k < x.size(); ++k)
            x.data()[k] = ternary_input ? float(level(rng)) : value(rng);
          TernaryPlanes planes;
          planes.resize(batch, w.words);
          for (int b = 0; b < batch; ++b) planes.set(b, x.col(b).data(), s.cols);

          ScaledTernaryProduct product(isa, w, ternary_input);
          Eigen::MatrixXf out;
          product(x, &planes, out);
          REQUIRE(out.rows() == s.rows);
          REQUIRE(out.cols() == batch);
          for (int r = 0; r < s.rows; ++r)
            for (int b = 0; b < batch; ++b) {
              double want = 0;
              for (int c = 0; c < s.cols; ++c) want += double(w.weight(r, c)) * x(c, b);
              REQUIRE(out(r, b) == Approx(want).epsilon(1e-5).margin(1e-4));
            }
          // Moved (as a session's vectors move it), it multiplies the same.
          ScaledTernaryProduct moved = std::move(product);
          Eigen::MatrixXf again;
          moved(x, &planes, again);
          CHECK(again == out);
        }
}

TEST_CASE("a scaled ternary product checks its inputs", "[infer][kernels]") {
  std::mt19937_64 rng(62);
  const TernaryMatrix w = random_ternary(8, 4, rng, 2, true);
  ScaledTernaryProduct from_planes(Isa::kPortable, w, true);
  Eigen::MatrixXf out;
  CHECK_THROWS_AS(from_planes(Eigen::MatrixXf::Zero(4, 1), nullptr, out), std::invalid_argument);
  ScaledTernaryProduct from_floats(Isa::kPortable, w, false);
  CHECK_THROWS_AS(from_floats(Eigen::MatrixXf::Zero(5, 1), nullptr, out), std::invalid_argument);
}
