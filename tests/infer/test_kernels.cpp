// The ternary kernels against plain loops, for every variant this CPU supports (the portable
// one always, i.e. forced), on shapes around every vector width: 1 to 1000 columns, batches
// of 1 to 10. Ternary x ternary must be exact; ternary x float exact whenever the sums are
// (small integers), and within float rounding otherwise.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "core/infer/ternary_kernels.hpp"
#include "random_model.hpp"

using namespace hitnet::infer;
using namespace hitnet::infer::test;

namespace {

const int kColumns[] = {1,   7,   8,   15,  16,  17,  31,  32,  33,  63,  64,  65,
                        127, 128, 129, 255, 256, 257, 300, 511, 512, 513, 1000};
const int kBatches[] = {1, 2, 3, 10};

// Ternary vectors as floats (-1, 0, +1) and as planes.
TernaryPlanes ternary_batch(int cols, int batch, std::mt19937_64& rng, std::vector<float>& values) {
  std::uniform_int_distribution<int> level(-1, 1);
  values.resize(std::size_t(cols) * batch);
  for (float& v : values) v = float(level(rng));
  TernaryPlanes p;
  p.resize(batch, TernaryMatrix::words_for(cols));
  for (int b = 0; b < batch; ++b) p.set(b, values.data() + std::size_t(b) * cols, cols);
  return p;
}

// Every variant this CPU runs on every shape: kColumns x kBatches, 1 to 19 rows (random).
template <class Check>
void for_each_shape(std::mt19937_64& rng, Check check) {
  for (Isa isa : supported_isas())
    for (int cols : kColumns)
      for (int batch : kBatches) {
        const int rows = 1 + int(rng() % 19);
        INFO(isa_name(isa) << ", " << rows << " x " << cols << ", batch " << batch);
        check(isa, random_ternary(rows, cols, rng), batch);
      }
}

}  // namespace

TEST_CASE("the kernel variants this machine runs", "[infer][kernels]") {
  const auto isas = supported_isas();
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::kPortable);
  CHECK(best_isa() == isas.back());
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vpopcnt})
    if (!isa_supported(isa)) {
      WARN(isa_name(isa) << " kernels not tested: this CPU does not have them");
      TernaryMatrix w = TernaryMatrix::from_codes(nullptr, 0, 0, 1.0f);
      CHECK_THROWS_AS(ternary_times_float(isa, w, nullptr, 1, nullptr), std::invalid_argument);
    }
}

// The dispatcher against a second source of the CPU's features, the kernel's /proc/cpuinfo
// flags (Linux x86-64): a build or CPU without AVX-512 (the Zen 3 this was written on) must
// never run an AVX-512 kernel, and one with AVX2 must not fall back to the portable code.
TEST_CASE("the dispatcher picks the best variant the CPU has", "[infer][kernels]") {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      for (std::string flag; words >> flag;) flags.insert(flag);
      break;
    }
#if defined(__x86_64__)
  if (flags.empty()) {
    WARN("no /proc/cpuinfo flags: dispatch not checked against them");
    return;
  }
  const bool avx512 = flags.count("avx512f") && flags.count("avx512bw");
  Isa expected = Isa::kPortable;
  if (flags.count("avx2") && flags.count("popcnt")) expected = Isa::kAvx2;
  if (avx512) expected = Isa::kAvx512;
  if (avx512 && flags.count("avx512_vpopcntdq")) expected = Isa::kAvx512Vpopcnt;
  INFO("expected " << isa_name(expected) << ", chosen " << isa_name(best_isa()));
  CHECK(best_isa() == expected);
  CHECK(isa_supported(Isa::kAvx512) == avx512);
#else
  CHECK(best_isa() == Isa::kPortable);
#endif
}

TEST_CASE("ternary x ternary equals the integer dot products", "[infer][kernels]") {
  std::mt19937_64 rng(11);
  for_each_shape(rng, [&](Isa isa, const TernaryMatrix& w, int batch) {
    const int rows = w.rows, cols = w.cols;
    std::vector<float> x;
    const TernaryPlanes planes = ternary_batch(cols, batch, rng, x);
    std::vector<int32_t> out(std::size_t(rows) * batch, -12345);
    ternary_times_ternary(isa, w, planes, batch, out.data());
    for (int b = 0; b < batch; ++b)
      for (int r = 0; r < rows; ++r) {
        int32_t want = 0;
        for (int c = 0; c < cols; ++c) want += w.code(r, c) * int32_t(x[std::size_t(b) * cols + c]);
        REQUIRE(out[std::size_t(b) * rows + r] == want);
      }
  });
}

TEST_CASE("ternary x ternary on all-ones rows counts every column", "[infer][kernels]") {
  for (Isa isa : supported_isas())
    for (int cols : kColumns) {
      std::vector<int8_t> ones(std::size_t(cols), 1);
      const TernaryMatrix w = TernaryMatrix::from_codes(ones.data(), 1, cols, 1.0f);
      std::vector<float> v(std::size_t(cols), -1.0f);
      TernaryPlanes p;
      p.resize(1, w.words);
      p.set(0, v.data(), cols);
      int32_t out = 0;
      ternary_times_ternary(isa, w, p, 1, &out);
      CHECK(out == -cols);
    }
}

TEST_CASE("ternary x float equals the sums of the selected values", "[infer][kernels]") {
  std::mt19937_64 rng(12);
  for_each_shape(rng, [&](Isa isa, const TernaryMatrix& w, int batch) {
    const int rows = w.rows, cols = w.cols;
    // Small integers: every partial sum is exact in float, in any order.
    std::uniform_int_distribution<int> small(-4, 4);
    std::vector<float> ints(std::size_t(cols) * batch);
    for (float& v : ints) v = float(small(rng));
    // Arbitrary floats: equal up to rounding.
    std::vector<float> reals = random_floats(ints.size(), 3.0f, rng);
    std::vector<float> out(std::size_t(rows) * batch);
    for (const std::vector<float>* x : {&ints, &reals}) {
      ternary_times_float(isa, w, x->data(), batch, out.data());
      for (int b = 0; b < batch; ++b)
        for (int r = 0; r < rows; ++r) {
          double want = 0, magnitude = 0;
          for (int c = 0; c < cols; ++c) {
            const double v = (*x)[std::size_t(b) * cols + c];
            want += w.code(r, c) * v;
            magnitude += std::abs(v);
          }
          const float got = out[std::size_t(b) * rows + r];
          if (x == &ints)
            REQUIRE(got == float(want));
          else
            REQUIRE(std::abs(got - want) <= 1e-6 * magnitude + 1e-6);
        }
    }
  });
}

TEST_CASE("the variants agree bit for bit on ternary x ternary", "[infer][kernels]") {
  std::mt19937_64 rng(13);
  const TernaryMatrix w = random_ternary(1200, 300, rng);
  std::vector<float> x;
  const TernaryPlanes planes = ternary_batch(300, 10, rng, x);
  std::vector<int32_t> reference(1200 * 10), out(reference.size());
  ternary_times_ternary(Isa::kPortable, w, planes, 10, reference.data());
  for (Isa isa : supported_isas()) {
    ternary_times_ternary(isa, w, planes, 10, out.data());
    CHECK(out == reference);
  }
}

TEST_CASE("mismatched activation planes are refused", "[infer][kernels]") {
  std::mt19937_64 rng(14);
  const TernaryMatrix w = random_ternary(4, 130, rng);
  TernaryPlanes p;
  p.resize(1, 2);  // 130 columns need 3 words
  std::vector<int32_t> out(4);
  CHECK_THROWS_AS(ternary_times_ternary(Isa::kPortable, w, p, 1, out.data()),
                  std::invalid_argument);
}
