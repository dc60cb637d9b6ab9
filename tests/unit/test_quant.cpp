// The quantizer library: levels, hand-computed values, BTQ's statistics and reproducibility,
// evaluation modes, straight-through masks, spec validation and the registry.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "core/quant/order_statistics.hpp"
#include "core/quant/registry.hpp"

using namespace hitnet;

namespace {

// A spec of `method`, with `bits` for the methods that have that option.
QuantSpec spec_of(const std::string& method, int bits = 2) {
  QuantSpec s = quant_spec(method);
  if (const QuantizerInfo* q = find_quantizer(method))
    for (const QuantOption& o : q->options)
      if (o.name == "bits") s.options["bits"] = bits;
  return s;
}

struct Result {
  std::vector<float> q, mask;
};

Result run(const Quantizer& quantizer, const std::vector<float>& x, bool training = true,
           uint64_t seed = 1) {
  Rng rng(seed);
  Result r{std::vector<float>(x.size()), std::vector<float>(x.size())};
  quantizer.apply(x.data(), r.q.data(), r.mask.data(), x.size(), rng,
                  training ? Pass::train() : Pass::evaluate());
  return r;
}

Result run(const QuantSpec& spec, Domain domain, const std::vector<float>& x, bool training = true,
           uint64_t seed = 1) {
  return run(*make_quantizer(spec, domain), x, training, seed);
}

std::set<float> distinct(const std::vector<float>& v) {
  return {v.begin(), v.end()};
}

// Values typical of each domain: bell-shaped weights, sigmoid and tanh outputs, plus a few
// outside the range to exercise clamping.
std::vector<float> sample_values(Domain domain, std::size_t n, uint64_t seed = 3) {
  Rng rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f), sym(-1.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x)
    v = domain == Domain::kWeight ? normal(rng) : domain == Domain::kUnit ? unit(rng) : sym(rng);
  if (domain != Domain::kWeight) x[0] = -1.7f, x[1] = 1.4f;
  return x;
}

double mse(const std::vector<float>& x, const std::vector<float>& q) {
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - q[i]) * double(x[i] - q[i]);
  return s / static_cast<double>(x.size());
}

constexpr Domain kDomains[] = {Domain::kWeight, Domain::kUnit, Domain::kSigned};

// The quantizers hitnet ships (a test binary may register fixtures of its own besides).
const std::vector<std::string> kBuiltins = {"alternating", "balanced", "binary", "btq",
                                            "fp",          "pow2",     "ttq",    "uniform"};

}  // namespace

TEST_CASE("registry lists every quantizer and builds each for every domain", "[quant]") {
  // Each registers itself from its own file: none may be dropped by the linker.
  const auto names = quantizer_names();
  for (const auto& name : kBuiltins)
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (const auto& name : kBuiltins)
    for (Domain d : kDomains) {
      auto q = make_quantizer(spec_of(name), d);
      REQUIRE(q);
      CHECK_FALSE(q->describe().empty());
      CHECK(q->identity() == (name == "fp"));
      CHECK(q->stochastic() == (name == "btq"));
    }
}

TEST_CASE("fp is the identity with a mask of ones", "[quant]") {
  const std::vector<float> x = {-3.0f, 0.25f, 7.5f};
  const auto r = run(spec_of("fp"), Domain::kWeight, x);
  CHECK(r.q == x);
  CHECK(r.mask == std::vector<float>(3, 1.0f));
}

TEST_CASE("every quantizer produces at most its number of levels", "[quant]") {
  struct Case {
    std::string method;
    int bits;
    std::size_t max_levels;
  };
  const std::vector<Case> cases = {
      {"binary", 2, 2},      {"ttq", 2, 3},         {"btq", 2, 3},        {"uniform", 1, 2},
      {"uniform", 2, 4},     {"uniform", 3, 8},     {"uniform", 4, 16},   {"pow2", 2, 4},
      {"pow2", 3, 8},        {"balanced", 1, 2},    {"balanced", 2, 4},   {"balanced", 3, 8},
      {"alternating", 1, 2}, {"alternating", 2, 4}, {"alternating", 3, 8}};
  for (const auto& c : cases)
    for (Domain d : kDomains) {
      INFO(c.method << " " << c.bits << "-bit, domain " << int(d));
      const auto r = run(spec_of(c.method, c.bits), d, sample_values(d, 5000));
      const auto levels = distinct(r.q);
      CHECK(levels.size() <= c.max_levels);
      CHECK(levels.size() >= 2);  // not collapsed to a constant
    }
}

TEST_CASE("uniform k-bit uses all 2^k levels on the range", "[quant]") {
  for (int bits : {1, 2, 3, 5}) {
    const auto r = run(spec_of("uniform", bits), Domain::kUnit, sample_values(Domain::kUnit, 4000));
    const auto levels = distinct(r.q);
    CHECK(levels.size() == (std::size_t{1} << bits));
    CHECK(*levels.begin() == 0.0f);
    CHECK(*levels.rbegin() == 1.0f);
  }
  // Weights: 2-bit levels are ±s and ±s/3 with s = max|x| = 2.
  const auto w = run(spec_of("uniform", 2), Domain::kWeight, {-1.0f, -0.5f, 0.1f, 2.0f, 0.9f});
  CHECK(w.q[0] == Approx(-2.0 / 3));
  CHECK(w.q[1] == Approx(-2.0 / 3));
  CHECK(w.q[2] == Approx(2.0 / 3));
  CHECK(w.q[3] == Approx(2.0));
  CHECK(w.q[4] == Approx(2.0 / 3));
  // tanh outputs, 2-bit: levels -1, -1/3, 1/3, 1.
  const auto s = run(spec_of("uniform", 2), Domain::kSigned, {-0.9f, -0.1f, 0.2f, 0.8f, 3.0f});
  CHECK_THAT(s.q, Catch::Matchers::Approx(std::vector<float>{-1.0f, -1.0f / 3, 1.0f / 3, 1, 1}));
  // An all-zero tensor stays zero rather than dividing by a zero scale.
  CHECK(run(spec_of("uniform", 3), Domain::kWeight, {0.0f, 0.0f}).q == std::vector<float>{0, 0});
}

TEST_CASE("ttq's threshold and scale match a hand computation", "[quant]") {
  const std::vector<float> x = {0.1f, -0.2f, 0.5f, -1.0f, 0.05f, 0.8f};
  // mean|x| = 2.65/6; Δ = 0.7·mean|x| = 0.30917: 0.5, -1.0 and 0.8 survive, α = 2.3/3.
  const float alpha = 2.3f / 3;
  auto r = run(spec_of("ttq"), Domain::kWeight, x);
  CHECK_THAT(r.q, Catch::Matchers::Approx(std::vector<float>{0, 0, alpha, -alpha, 0, alpha}));
  CHECK(r.mask == std::vector<float>(6, 1.0f));

  QuantSpec unscaled = spec_of("ttq");
  unscaled.options["scale"] = false;
  CHECK(run(unscaled, Domain::kWeight, x).q == std::vector<float>{0, 0, 1, -1, 0, 1});

  // threshold 0.4: Δ = 0.17667, -0.2 survives too, α = 2.5/4.
  QuantSpec lower = spec_of("ttq");
  lower.options["threshold"] = 0.4;
  CHECK_THAT(run(lower, Domain::kWeight, x).q,
             Catch::Matchers::Approx(std::vector<float>{0, -0.625f, 0.625f, -0.625f, 0, 0.625f}));
}

TEST_CASE("binary: scaled sign for weights, sign and 0.5 threshold for activations", "[quant]") {
  const std::vector<float> x = {-0.4f, 0.0f, 0.2f, 0.6f};
  CHECK_THAT(run(spec_of("binary"), Domain::kWeight, x).q,
             Catch::Matchers::Approx(std::vector<float>{-0.3f, 0.3f, 0.3f, 0.3f}));
  CHECK(run(spec_of("binary"), Domain::kSigned, x).q == std::vector<float>{-1, 1, 1, 1});
  CHECK(run(spec_of("binary"), Domain::kUnit, x).q == std::vector<float>{0, 0, 0, 1});
}

TEST_CASE("pow2 rounds to the nearest power of two of the scale", "[quant]") {
  // max|x| = 0.9 -> s = 1; 3 bits: levels 0, ±1, ±1/2, ±1/4.
  const auto r = run(spec_of("pow2", 3), Domain::kWeight, {0.9f, 0.3f, -0.2f, 0.05f, -0.7f, 0.4f});
  CHECK(r.q == std::vector<float>{1.0f, 0.25f, -0.25f, 0.0f, -0.5f, 0.5f});
  // max|x| = 0.05 -> s = 1/16.
  const auto small = run(spec_of("pow2", 2), Domain::kWeight, {0.05f, -0.04f, 0.01f});
  CHECK(small.q == std::vector<float>{0.0625f, -0.0625f, 0.0f});
  // Sigmoid outputs use all k bits for the magnitude: 2 bits give 0, 1/4, 1/2, 1.
  const auto u = run(spec_of("pow2", 2), Domain::kUnit, {0.1f, 0.2f, 0.4f, 0.8f, -0.3f});
  CHECK(u.q == std::vector<float>{0.0f, 0.25f, 0.5f, 1.0f, 0.0f});
}

TEST_CASE("balanced quantization gives every level the same share", "[quant]") {
  auto x = sample_values(Domain::kWeight, 1000);
  const auto r = run(spec_of("balanced", 2), Domain::kWeight, x);
  std::map<float, int> population;
  for (float v : r.q) ++population[v];
  REQUIRE(population.size() == 4);
  for (const auto& [level, count] : population) CHECK(count == 250);
  // The levels form a symmetric uniform grid α·{-1, -1/3, 1/3, 1}.
  const float top = population.rbegin()->first;
  CHECK(population.begin()->first == Approx(-top));
  CHECK(std::next(population.begin())->first == Approx(-top / 3));
  // Order is kept: a larger value never gets a smaller level.
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); j += 37)
      if (x[i] < x[j]) CHECK(r.q[i] <= r.q[j]);
  // Without scale the grid spans max|x|.
  QuantSpec range = spec_of("balanced", 2);
  range.options["scale"] = false;
  float m = 0;
  for (float v : x) m = std::max(m, std::abs(v));
  CHECK(distinct(run(range, Domain::kWeight, x).q) == std::set<float>{-m, -m / 3, m / 3, m});
}

TEST_CASE("alternating multi-bit fits sums of binary codes", "[quant]") {
  // 1 bit: the least-squares binary code is mean|x|·sign(x).
  const std::vector<float> x1 = {0.3f, -0.1f, 0.5f, -0.7f};
  CHECK_THAT(run(spec_of("alternating", 1), Domain::kWeight, x1).q,
             Catch::Matchers::Approx(std::vector<float>{0.4f, -0.4f, 0.4f, -0.4f}));
  // Values that are exactly ±0.3 ± 0.1 are reproduced exactly with 2 bits.
  std::vector<float> exact;
  for (int i = 0; i < 50; ++i) exact.insert(exact.end(), {0.4f, 0.2f, -0.2f, -0.4f, 0.4f});
  CHECK(mse(exact, run(spec_of("alternating", 2), Domain::kWeight, exact).q) < 1e-12);
  // On bell-shaped weights more bits help, and 2 bits beat uniform 2-bit's max-scaled grid.
  const auto w = sample_values(Domain::kWeight, 20000);
  const double e1 = mse(w, run(spec_of("alternating", 1), Domain::kWeight, w).q);
  const double e2 = mse(w, run(spec_of("alternating", 2), Domain::kWeight, w).q);
  const double e3 = mse(w, run(spec_of("alternating", 3), Domain::kWeight, w).q);
  const double uniform2 = mse(w, run(spec_of("uniform", 2), Domain::kWeight, w).q);
  CHECK(e2 < e1);
  CHECK(e3 < e2);
  CHECK(e2 < uniform2);
}

TEST_CASE("btq is unbiased in both domains", "[quant]") {
  const std::size_t n = 20000;
  auto check_mean = [&](Domain d, float x, double variance) {
    INFO("domain " << int(d) << ", x = " << x);
    const auto r = run(spec_of("btq"), d, std::vector<float>(n, x), true, 42);
    double mean = 0;
    for (float v : r.q) mean += v;
    mean /= n;
    const double se = std::sqrt(variance / n);
    CHECK(std::abs(mean - x) <= 4 * se + 1e-12);
    const std::set<float> allowed =
        d == Domain::kUnit ? std::set<float>{0, 1} : std::set<float>{-1, 0, 1};
    for (float v : distinct(r.q)) CHECK(allowed.count(v) == 1);
  };
  for (float x : {-1.0f, -0.9f, -0.3f, 0.0f, 0.15f, 0.6f, 1.0f})
    check_mean(Domain::kSigned, x, std::abs(x) - double(x) * x);  // E[q²] = |x|
  for (float x : {0.0f, 0.05f, 0.5f, 0.93f, 1.0f})
    check_mean(Domain::kUnit, x, double(x) * (1 - x));
  // A sample mean must be able to fail: a biased quantizer (round) is caught by the same test.
  const auto rounded = run(spec_of("uniform", 1), Domain::kUnit, std::vector<float>(n, 0.3f));
  CHECK(std::abs(rounded.q[0] - 0.3f) > 4 * std::sqrt(0.21 / n));
}

TEST_CASE("btq with ternary sigmoid levels is unbiased on {0, 1/2, 1}", "[quant]") {
  const QuantSpec spec = quant_spec("btq", {{"unit_levels", std::string("ternary")}});
  const std::size_t n = 20000;
  for (float x : {0.0f, 0.1f, 0.5f, 0.62f, 0.97f, 1.0f}) {
    INFO("x = " << x);
    const auto r = run(spec, Domain::kUnit, std::vector<float>(n, x), true, 42);
    double mean = 0;
    for (float v : r.q) mean += v;
    mean /= n;
    const double y = 2.0 * x - 1.0;  // b = btq(y), q = (b + 1) / 2: Var q = (|y| - y²) / 4
    CHECK(std::abs(mean - x) <= 4 * std::sqrt((std::abs(y) - y * y) / 4 / n) + 1e-12);
    for (float v : distinct(r.q)) CHECK(std::set<float>{0, 0.5f, 1}.count(v) == 1);
  }
  // A gate at 1/2 is exact, where the binary one is a coin toss.
  CHECK(distinct(run(spec, Domain::kUnit, std::vector<float>(100, 0.5f), true, 1).q) ==
        std::set<float>{0.5f});
  // Deterministically: the nearest of {0, 1/2, 1}. Signed outputs are unaffected by the option.
  QuantSpec det = spec;
  det.options["eval"] = std::string("deterministic");
  CHECK(run(det, Domain::kUnit, {0.2f, 0.3f, 0.5f, 0.8f, 1.3f, -0.4f}, false).q ==
        std::vector<float>{0, 0.5f, 0.5f, 1, 1, 0});
  CHECK(run(det, Domain::kSigned, {-0.7f, 0.3f, 0.6f}, false).q == std::vector<float>{-1, 0, 1});
}

TEST_CASE("btq reproduces under a seed and differs across seeds", "[quant]") {
  const auto q = make_quantizer(spec_of("btq"), Domain::kSigned);
  const auto x = sample_values(Domain::kSigned, 1001);  // odd: the last element's own draw
  CHECK(run(*q, x, true, 5).q == run(*q, x, true, 5).q);
  CHECK(run(*q, x, true, 5).q != run(*q, x, true, 6).q);
  // One 64-bit draw per two elements, in index order: a known amount of the stream is used.
  Rng used(9), expected(9);
  std::vector<float> out(x.size());
  q->apply(x.data(), out.data(), nullptr, x.size(), used, Pass::train());
  expected.discard(501);
  CHECK(used == expected);
  // The draws of a prefix do not depend on what follows.
  const std::vector<float> prefix(x.begin(), x.begin() + 100);
  const auto head = run(*q, prefix, true, 5).q;
  const auto full = run(*q, x, true, 5).q;
  CHECK(std::equal(head.begin(), head.end(), full.begin()));
}

TEST_CASE("btq's evaluation modes", "[quant]") {
  const std::vector<float> x = {-1.5f, -0.7f, -0.2f, 0.0f, 0.4f, 0.5f, 0.9f};
  QuantSpec spec = spec_of("btq");

  spec.options["eval"] = std::string("expectation");
  auto q = make_quantizer(spec, Domain::kSigned);
  CHECK_FALSE(q->samples_at_eval());
  CHECK(run(*q, x, false).q == std::vector<float>{-1.0f, -0.7f, -0.2f, 0.0f, 0.4f, 0.5f, 0.9f});
  Rng rng(3), untouched(3);
  std::vector<float> out(x.size());
  q->apply(x.data(), out.data(), nullptr, x.size(), rng, Pass::evaluate());
  CHECK(rng == untouched);                           // evaluation by expectation draws nothing
  CHECK(run(*q, x, true).q != run(*q, x, false).q);  // training still samples

  spec.options["eval"] = std::string("deterministic");
  q = make_quantizer(spec, Domain::kSigned);
  CHECK(run(*q, x, false).q == std::vector<float>{-1, -1, 0, 0, 0, 1, 1});
  CHECK(run(*make_quantizer(spec, Domain::kUnit), {0.2f, 0.5f, 0.7f, 1.3f}, false).q ==
        std::vector<float>{0, 1, 1, 1});

  spec.options["eval"] = std::string("sample");
  q = make_quantizer(spec, Domain::kSigned);
  CHECK(q->samples_at_eval());
  CHECK(run(*q, x, false, 11).q == run(*q, x, true, 11).q);
}

TEST_CASE("straight-through masks", "[quant]") {
  const std::vector<float> act = {-1.5f, -1.0f, -0.3f, 0.0f, 0.7f, 1.0f, 1.2f};
  const std::vector<float> signed_mask = {0, 1, 1, 1, 1, 1, 0};
  const std::vector<float> unit_mask = {0, 0, 0, 1, 1, 1, 0};
  const std::vector<float> ones(act.size(), 1.0f);
  for (const auto& name : kBuiltins) {
    INFO(name);
    const bool fp = name == "fp";
    CHECK(run(spec_of(name), Domain::kSigned, act).mask == (fp ? ones : signed_mask));
    CHECK(run(spec_of(name), Domain::kUnit, act).mask == (fp ? ones : unit_mask));
    if (!fp) {  // fp has no clip_grad option (nothing to clip)
      QuantSpec no_clip = spec_of(name);
      no_clip.options["clip_grad"] = false;
      CHECK(run(no_clip, Domain::kSigned, act).mask == ones);
      CHECK(run(no_clip, Domain::kUnit, act).mask == ones);
    }
    // Weights: the scale follows the tensor, so nothing is clipped, except for binary's
    // hard-tanh window |w| <= 1 and btq, which treats weights as values in [-1, 1].
    const auto w = run(spec_of(name), Domain::kWeight, act).mask;
    CHECK(w == (name == "binary" || name == "btq" ? signed_mask : ones));
  }
}

TEST_CASE("quantizers work in place and without a mask", "[quant]") {
  for (const auto& name : kBuiltins)
    for (Domain d : kDomains) {
      INFO(name << ", domain " << int(d));
      const auto q = make_quantizer(spec_of(name, 3), d);
      const auto x = sample_values(d, 257);
      const auto expected = run(*q, x, true, 4).q;
      std::vector<float> inplace = x;
      Rng rng(4);
      q->apply(inplace.data(), inplace.data(), nullptr, inplace.size(), rng, Pass::train());
      CHECK(inplace == expected);
    }
}

TEST_CASE("bad quantizer settings name their key", "[quant]") {
  CHECK(validate_quant_spec(QuantSpec{}).empty());
  CHECK(validate_quant_spec(spec_of("tqt")) == "method: unknown 'tqt' (did you mean 'ttq'?)");
  CHECK(validate_quant_spec(spec_of("unifrom")) ==
        "method: unknown 'unifrom' (did you mean 'uniform'?)");
  CHECK_THAT(validate_quant_spec(spec_of("lloyd")),
             Catch::StartsWith("method: unknown 'lloyd' (expected one of alternating, balanced, "
                               "binary, btq, fp, pow2,"));
  CHECK(validate_quant_spec(spec_of("uniform", 0)) == "bits: must be in [1, 16], got 0");
  CHECK(validate_quant_spec(spec_of("uniform", 17)) == "bits: must be in [1, 16], got 17");
  CHECK(validate_quant_spec(spec_of("pow2", 1)) == "bits: must be in [2, 7], got 1");
  CHECK(validate_quant_spec(spec_of("alternating", 9)) == "bits: must be in [1, 8], got 9");
  // An option the method does not have is an error, not silently ignored.
  CHECK(validate_quant_spec(quant_spec("ttq", {{"bits", 3}})) ==
        "bits: ttq has no option 'bits' (its options: threshold, scale, clip_grad)");
  CHECK(validate_quant_spec(quant_spec("fp", {{"bits", 3}})) ==
        "bits: fp has no option 'bits' (it has no options)");
  // A value of the wrong type (code, not YAML: the config reads YAML by the option's type).
  CHECK(validate_quant_spec(quant_spec("uniform", {{"bits", 2.5}})) ==
        "bits: expected an integer, got 2.5");
  QuantSpec s = spec_of("ttq");
  s.options["threshold"] = -1.0;
  CHECK(validate_quant_spec(s) == "threshold: must be > 0, got -1");
  s.options["threshold"] = 0.0;
  CHECK(validate_quant_spec(s) == "threshold: must be > 0, got 0");
  s = spec_of("btq");
  s.options["eval"] = std::string("stochastic");
  CHECK(validate_quant_spec(s) ==
        "eval: must be one of deterministic, sample, expectation, got 'stochastic'");
  CHECK_THROWS_WITH(make_quantizer(spec_of("tqt"), Domain::kWeight),
                    "method: unknown 'tqt' (did you mean 'ttq'?)");
  CHECK_THROWS_AS(make_quantizer(spec_of("uniform", 0), Domain::kUnit), std::invalid_argument);
}

TEST_CASE("order statistics equal those of a sorted copy", "[quant]") {
  Rng rng(17);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 5);
  for (std::size_t n : {1u, 2u, 7u, 100u, 20000u}) {
    for (bool ties : {false, true}) {
      INFO("n = " << n << (ties ? ", with ties" : ""));
      std::vector<float> v(n);
      for (float& x : v) x = ties ? static_cast<float>(small(rng)) : normal(rng);
      if (n > 10) v[3] = 1e6f, v[4] = -1e6f;  // outliers: most values share a few buckets
      std::vector<float> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::size_t> ranks;
      for (std::size_t r = 0; r < n; r += n / 13 + 1) ranks.push_back(r);
      ranks.push_back(n - 1), ranks.push_back(n - 1);
      std::vector<float> out;
      order_statistics(v.data(), n, ranks, out);
      for (std::size_t j = 0; j < ranks.size(); ++j) CHECK(out[j] == sorted[ranks[j]]);
    }
  }
}

TEST_CASE("balanced passes a non-finite tensor through instead of failing", "[quant]") {
  const std::vector<float> x = {0.1f, std::nanf(""), -0.3f, 0.2f};
  const auto r = run(spec_of("balanced"), Domain::kWeight, x);
  CHECK(std::isnan(r.q[1]));
  CHECK(r.q[0] == 0.1f);
}

TEST_CASE("ttq never turns a non-finite tensor into silent zeros", "[quant]") {
  const auto q = make_quantizer(spec_of("ttq"), Domain::kWeight);
  for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
    const std::vector<float> x = {0.1f, -0.2f, bad, 0.05f};
    for (float v : run(*q, x).q) CHECK(std::isnan(v));  // the loss, then the trainer, see it
  }
}

TEST_CASE("btq trained deterministically rounds and draws nothing", "[quant]") {
  const auto q =
      make_quantizer(quant_spec("btq", {{"train", std::string("deterministic")}}), Domain::kSigned);
  const std::vector<float> x = {-0.9f, -0.4f, 0.2f, 0.6f};
  Rng rng(3), untouched(3);
  std::vector<float> out(x.size());
  q->apply(x.data(), out.data(), nullptr, x.size(), rng, Pass::train());
  CHECK(out == std::vector<float>{-1, 0, 0, 1});
  CHECK(rng == untouched);
}

TEST_CASE("no quantizer turns a tensor with NaN or inf into finite values", "[quant]") {
  // A run that blew up must show it in its loss, not continue on a quietly zeroed tensor. A NaN
  // stays non-finite everywhere; an infinite weight breaks every per-tensor scale. (An infinite
  // activation is a saturated gate, clamped to its range; btq clamps weights by definition.)
  for (const auto& name : kBuiltins)
    for (Domain d : kDomains)
      for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
        if (std::isinf(bad) && (d != Domain::kWeight || name == "btq")) continue;
        INFO(name << ", domain " << int(d) << ", " << bad);
        std::vector<float> x = sample_values(d, 64);
        x[7] = bad;
        const auto q = run(spec_of(name), d, x).q;
        CHECK_FALSE(std::all_of(q.begin(), q.end(), [](float v) { return std::isfinite(v); }));
      }
}
