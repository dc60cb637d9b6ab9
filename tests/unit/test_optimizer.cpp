// Optimizers and clipping (core/optim/optimizer.hpp): the clipping factor applied inside the
// update gives bit for bit the update from a gradient scaled first, and blockwise sums do not
// depend on the thread count.
#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "core/optim/optimizer.hpp"
#include "core/util/blocks.hpp"

using namespace hitnet;

namespace {

// More than two blocks (core/util/blocks.hpp), with a partial last one.
Vector random_vector(Eigen::Index n, unsigned seed) {
  std::srand(seed);
  return Vector::Random(n);
}

}  // namespace

TEST_CASE("the clipping factor inside the update equals scaling the gradient first", "[optim]") {
  const Eigen::Index n = 2 * kBlock + 123;
  const Vector start = random_vector(n, 1), grads = random_vector(n, 2);
  const float factor = clip_factor(double(grads.norm()), 0.25);
  REQUIRE(factor < 1.0f);
  for (const char* name : {"sgd", "adam"}) {
    INFO(name);
    auto fused = make_optimizer(name, std::size_t(n), 1e-3f, 0.9f, 0.999f, 1e-8f);
    auto plain = make_optimizer(name, std::size_t(n), 1e-3f, 0.9f, 0.999f, 1e-8f);
    Vector a = start, b = start;
    for (int k = 0; k < 3; ++k) {
      fused->step(a, grads, 0.5f, factor);
      const Vector scaled = grads * factor;
      plain->step(b, scaled, 0.5f, 1.0f);
    }
    CHECK(a == b);
    CHECK(a != start);
  }
}

TEST_CASE("clip_factor brings the norm to the limit and leaves smaller gradients alone",
          "[optim]") {
  CHECK(clip_factor(2.0, 0.5) == 0.25f);
  CHECK(clip_factor(0.4, 0.5) == 1.0f);
  CHECK(clip_factor(2.0, 0.0) == 1.0f);  // no clipping
  const Vector g = random_vector(1000, 3);
  CHECK(global_norm(g) == Approx(std::sqrt(g.cast<double>().squaredNorm())).epsilon(1e-6));
}

TEST_CASE("blockwise sums are the same at any thread count", "[optim][parallel]") {
  const Eigen::Index n = 3 * kBlock + 7;
  const Vector v = random_vector(n, 4);
  const auto squares = [&](Eigen::Index start, Eigen::Index len) {
    return double(v.segment(start, len).squaredNorm());
  };
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const double one = sum_over_blocks(n, squares);
  omp_set_num_threads(2);
  const double two = sum_over_blocks(n, squares);
  omp_set_num_threads(threads);
  CHECK(one == two);
  CHECK(one == Approx(v.cast<double>().squaredNorm()).epsilon(1e-6));
}
