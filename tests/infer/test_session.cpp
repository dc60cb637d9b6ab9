// A Session against the model's equations written out in double precision, for LSTM and GRU
// under every kind of scheme (ternary or float weights and activations, ternary weights with a
// scale per gate block or W_hh's diagonal apart, one or two layers, tied decoder); every kernel
// variant and the float32 GEMM path give the same log-probabilities;
// streams are independent and reset returns a stream to the zero state.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/infer/session.hpp"
#include "random_model.hpp"

using namespace hitnet::infer;
using namespace hitnet::infer::test;

namespace {

// W(r, c) by the format's definition: the code times the scale of its row block, or of its
// block's diagonal (r % cols == c) where that is apart.
double weight(const WeightMatrix& w, int r, int c) {
  if (const auto* t = std::get_if<TernaryMatrix>(&w)) {
    const std::size_t block = std::size_t(r) / (std::size_t(t->rows) / t->scales.size());
    const bool diagonal = !t->diagonal_scales.empty() && r % t->cols == c;
    return double(diagonal ? t->diagonal_scales[block] : t->scales[block]) * t->code(r, c);
  }
  const auto& f = std::get<FloatMatrix>(w);
  return f.values[std::size_t(r) * f.cols + c];
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

double level(double x, bool unit) {
  return std::round(std::clamp(x, unit ? 0.0 : -1.0, 1.0));
}

// One stream of the model, straight from the equations in core/nn/lstm.hpp and gru.hpp.
class Reference {
 public:
  explicit Reference(const PackedModel& m) : m_(m), h_(m.layers.size()), c_(m.layers.size()) {
    for (auto& v : h_) v.assign(std::size_t(m.hidden), 0.0);
    for (auto& v : c_) v.assign(std::size_t(m.hidden), 0.0);
  }

  std::vector<double> step(int token) {
    const int H = m_.hidden;
    std::vector<double> x(m_.embedding_table.row(token),
                          m_.embedding_table.row(token) + m_.embedding);
    for (std::size_t l = 0; l < m_.layers.size(); ++l) {
      const PackedLayer& L = m_.layers[l];
      const double ls = L.sigmoid_slope, lt = L.tanh_slope;
      const int rows = m_.gates() * H;
      std::vector<double> gx(static_cast<std::size_t>(rows)), gh(static_cast<std::size_t>(rows));
      for (int r = 0; r < rows; ++r) {
        gx[r] = L.bias_ih[r];
        for (std::size_t c = 0; c < x.size(); ++c) gx[r] += weight(L.w_ih, r, int(c)) * x[c];
        gh[r] = m_.cell == Cell::kGru ? L.bias_hh[r] : 0.0;
        for (int c = 0; c < H; ++c) gh[r] += weight(L.w_hh, r, c) * h_[l][c];
      }
      auto q = [&](int placement, double v, bool unit) {
        return L.quantized(placement) ? level(v, unit) : v;
      };
      for (int k = 0; k < H; ++k) {
        if (m_.cell == Cell::kLstm) {
          auto a = [&](int g) { return gx[g * H + k] + gh[g * H + k]; };
          const double i = q(kLstmI, sigmoid(a(0) / ls), true),
                       f = q(kLstmF, sigmoid(a(1) / ls), true),
                       o = q(kLstmO, sigmoid(a(2) / ls), true),
                       g = q(kLstmG, std::tanh(a(3) / lt), false);
          c_[l][k] = q(kLstmCell, f * c_[l][k] + i * g, false);
          h_[l][k] = q(kLstmH, o * q(kLstmC, std::tanh(c_[l][k] / lt), false), false);
        } else {
          const double r = q(kGruR, sigmoid((gx[k] + gh[k]) / ls), true);
          const double z = q(kGruZ, sigmoid((gx[H + k] + gh[H + k]) / ls), true);
          const double n = q(kGruN, std::tanh((gx[2 * H + k] + r * gh[2 * H + k]) / lt), false);
          h_[l][k] = q(kGruH, (1 - z) * n + z * h_[l][k], false);
        }
      }
      x = h_[l];
    }
    std::vector<double> logits(std::size_t(m_.vocab));
    double max = -1e300;
    for (int v = 0; v < m_.vocab; ++v) {
      logits[v] = m_.decoder_bias[v];
      for (int c = 0; c < H; ++c) logits[v] += m_.decoder().row(v)[c] * x[c];
      max = std::max(max, logits[v]);
    }
    double sum = 0;
    for (double z : logits) sum += std::exp(z - max);
    for (double& z : logits) z -= max + std::log(sum);
    return logits;
  }

 private:
  const PackedModel& m_;
  std::vector<std::vector<double>> h_, c_;
};

std::vector<std::vector<int32_t>> random_tokens(int steps, int batch, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int32_t>> t(static_cast<std::size_t>(steps),
                                      std::vector<int32_t>(static_cast<std::size_t>(batch)));
  for (auto& step : t)
    for (auto& v : step) v = int32_t(rng() % uint64_t(vocab));
  return t;
}

// Log-probabilities of every step and stream: [step][stream][word].
using Trace = std::vector<std::vector<std::vector<float>>>;
Trace run(Session& s, const std::vector<std::vector<int32_t>>& tokens) {
  Trace trace;
  for (const auto& step : tokens) {
    s.step(step);
    trace.emplace_back();
    for (int b = 0; b < s.batch(); ++b) {
      const auto lp = s.log_probs(b);
      trace.back().emplace_back(lp.begin(), lp.end());
    }
  }
  return trace;
}

std::vector<std::pair<std::string, Scheme>> schemes() {
  std::vector<std::pair<std::string, Scheme>> all;
  Scheme s;
  s.btq = all_placements(Cell::kLstm);
  all.emplace_back("LSTM HitNet (ternary weights, every placement BTQ)", s);
  s.layers = 2, s.tied = true;
  all.emplace_back("LSTM HitNet, 2 layers, tied decoder", s);
  s.layers = 1, s.tied = false, s.btq = (1u << kLstmO) | (1u << kLstmC);
  all.emplace_back("LSTM with only o and tanh(c) rounded (h ternary)", s);
  s.btq = (1u << kLstmI) | (1u << kLstmG) | (1u << kLstmCell);
  all.emplace_back("LSTM with i, g and the cell rounded (h float)", s);
  s.btq = 0, s.ternary_ih = false, s.layers = 2;
  all.emplace_back("LSTM, float W_ih, ternary W_hh, float activations", s);
  s.ternary_ih = true, s.ternary_hh = false, s.btq = all_placements(Cell::kLstm);
  all.emplace_back("LSTM, ternary W_ih, float W_hh, 2 layers", s);
  Scheme g;
  g.cell = Cell::kGru, g.btq = all_placements(Cell::kGru);
  all.emplace_back("GRU HitNet", g);
  g.btq = (1u << kGruZ) | (1u << kGruN), g.layers = 2, g.hidden = 70;
  all.emplace_back("GRU with z and n rounded (h ternary by induction), 2 layers, 70 units", g);
  g.btq = 1u << kGruR, g.layers = 1, g.hidden = 16;
  all.emplace_back("GRU with r rounded (h float)", g);

  // Scale groups: a scale per gate block, W_hh's diagonal apart (one group across the gates, or
  // one per gate), on ternary and float states, sizes that are no multiple of 64.
  Scheme lg;
  lg.btq = all_placements(Cell::kLstm), lg.row_blocks = 4, lg.layers = 2, lg.hidden = 70;
  all.emplace_back("LSTM HitNet, a scale per gate, 2 layers, 70 units", lg);
  lg.diagonal_apart = true;
  all.emplace_back("LSTM HitNet, a scale per gate and per gate's diagonal, 2 layers", lg);
  lg.btq = (1u << kLstmI) | (1u << kLstmG), lg.row_blocks = 1, lg.layers = 1, lg.embedding = 9;
  all.emplace_back("LSTM, W_hh's diagonal apart (h float)", lg);
  Scheme gg;
  gg.cell = Cell::kGru, gg.btq = all_placements(Cell::kGru), gg.diagonal_apart = true;
  all.emplace_back("GRU HitNet, W_hh's diagonal apart", gg);
  gg.row_blocks = 3, gg.layers = 2, gg.hidden = 70, gg.embedding = 33;
  all.emplace_back("GRU HitNet, a scale per gate and per gate's diagonal, 2 layers, 70 units", gg);
  gg.btq = (1u << kGruR) | (1u << kGruN), gg.layers = 1;
  all.emplace_back("GRU with r and n rounded, a scale per gate and diagonal (h float)", gg);
  return all;
}

}  // namespace

TEST_CASE("a session computes the model's equations", "[infer][session]") {
  for (const auto& [name, scheme] : schemes()) {
    const PackedModel m = random_model(scheme, 41);
    const auto tokens = random_tokens(25, 3, m.vocab, 42);
    std::vector<Reference> refs(3, Reference(m));
    std::vector<Session> sessions;
    for (Isa isa : supported_isas()) sessions.emplace_back(m, 3, Engine::kTernary, isa);
    sessions.emplace_back(m, 3, Engine::kFloat32Gemm);
    std::vector<Trace> traces;
    for (auto& s : sessions) traces.push_back(run(s, tokens));
    for (std::size_t t = 0; t < tokens.size(); ++t)
      for (int b = 0; b < 3; ++b) {
        const auto want = refs[std::size_t(b)].step(tokens[t][std::size_t(b)]);
        for (std::size_t k = 0; k < sessions.size(); ++k) {
          INFO(name << ": "
                    << (k + 1 == sessions.size() ? "float32 GEMM" : isa_name(supported_isas()[k]))
                    << ", step " << t << ", stream " << b);
          double mass = 0;
          for (int v = 0; v < m.vocab; ++v) {
            REQUIRE(traces[k][t][b][v] == Approx(want[v]).margin(2e-4));
            mass += std::exp(double(traces[k][t][b][v]));
          }
          REQUIRE(mass == Approx(1.0).margin(1e-5));
        }
      }
  }
}

TEST_CASE("with exact products, every kernel variant gives the same bits", "[infer][session]") {
  // Float W_ih on the embedding (the same Eigen product for all), then only ternary x ternary:
  // W_hh of both layers and W_ih of layer 1 take ternary hidden states. Once with one scale per
  // matrix, once with a scale per gate block and the diagonals apart.
  for (const bool groups : {false, true}) {
    INFO((groups ? "scale groups" : "one scale"));
    Scheme s;
    s.layers = 2, s.ternary_ih = false, s.btq = all_placements(Cell::kLstm), s.hidden = 100;
    s.row_blocks = groups ? 4 : 1, s.diagonal_apart = groups;
    PackedModel m = random_model(s, 43);
    std::mt19937_64 rng(44);
    m.layers[1].w_ih = random_ternary(400, 100, rng, s.row_blocks);
    REQUIRE(m.input_ternary(1));
    const auto tokens = random_tokens(30, 4, m.vocab, 45);
    Session portable(m, 4, Engine::kTernary, Isa::kPortable);
    const Trace reference = run(portable, tokens);
    for (Isa isa : supported_isas()) {
      Session session(m, 4, Engine::kTernary, isa);
      CHECK(run(session, tokens) == reference);
    }
  }
}

TEST_CASE("streams are independent and reset restarts one", "[infer][session]") {
  Scheme s;
  s.btq = all_placements(Cell::kLstm);
  const PackedModel m = random_model(s, 46);
  const auto tokens = random_tokens(12, 3, m.vocab, 47);
  Session batch(m, 3);
  const Trace together = run(batch, tokens);
  for (int b = 0; b < 3; ++b) {
    Session alone(m, 1);
    std::vector<std::vector<int32_t>> own;
    for (const auto& step : tokens) own.push_back({step[std::size_t(b)]});
    const Trace single = run(alone, own);
    for (std::size_t t = 0; t < tokens.size(); ++t)
      for (int v = 0; v < m.vocab; ++v)
        REQUIRE(single[t][0][v] == Approx(together[t][std::size_t(b)][v]).margin(1e-5));
  }
  // Reset stream 1 and feed it the sequence again: it repeats itself; streams 0 and 2 go on.
  Session fresh(m, 3);
  run(fresh, tokens);
  fresh.reset(1);
  const Trace again = run(fresh, tokens);
  Session continued(m, 3);
  run(continued, tokens);
  const Trace more = run(continued, tokens);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    CHECK(again[t][1] == together[t][1]);
    CHECK(again[t][0] == more[t][0]);
    CHECK(again[t][2] == more[t][2]);
  }
  fresh.reset();
  CHECK(run(fresh, tokens) == together);
}

TEST_CASE("steps() scores a window as one step() per token would", "[infer][session]") {
  Scheme s;
  s.btq = all_placements(Cell::kLstm), s.layers = 2;
  const PackedModel m = random_model(s, 49);
  const auto tokens = random_tokens(7, 3, m.vocab, 50);
  Session one_by_one(m, 3), windowed(m, 3);
  const Trace want = run(one_by_one, tokens);
  std::vector<int32_t> flat;
  for (const auto& step : tokens) flat.insert(flat.end(), step.begin(), step.end());
  windowed.steps(flat);
  for (int t = 0; t < 7; ++t)
    for (int b = 0; b < 3; ++b)
      for (int v = 0; v < m.vocab; ++v)
        REQUIRE(windowed.log_probs(b, t)[std::size_t(v)] ==
                Approx(want[std::size_t(t)][std::size_t(b)][std::size_t(v)]).margin(1e-5));
  CHECK_THROWS_AS(windowed.log_probs(0, 7), std::out_of_range);
  // The recurrent state went on identically: the next step agrees too.
  one_by_one.step(tokens[0]);
  windowed.step(tokens[0]);
  for (int b = 0; b < 3; ++b)
    for (int v = 0; v < m.vocab; ++v)
      REQUIRE(windowed.log_probs(b)[std::size_t(v)] ==
              Approx(one_by_one.log_probs(b)[std::size_t(v)]).margin(1e-5));
  CHECK_THROWS_AS(windowed.log_probs(0, 1), std::out_of_range);
  CHECK_THROWS_AS(windowed.steps({}), std::invalid_argument);
  CHECK_THROWS_WITH(windowed.steps(std::span<const int32_t>(flat.data(), 4)),
                    Catch::Contains("4 tokens are not a whole number of steps of 3 streams"));
  windowed.advance(tokens[1]);
  CHECK_THROWS_AS(windowed.log_probs(0), std::logic_error);  // advance() computes no output
}

TEST_CASE("a session refuses what it cannot run", "[infer][session]") {
  const PackedModel m = random_model(Scheme{}, 48);
  CHECK_THROWS_AS(Session(m, 0), std::invalid_argument);
  Session s(m, 2);
  CHECK_THROWS_AS(s.log_probs(0), std::logic_error);
  const std::vector<int32_t> one{1}, bad{1, m.vocab}, negative{-1, 0};
  CHECK_THROWS_AS(s.step(one), std::invalid_argument);
  CHECK_THROWS_WITH(s.step(bad), Catch::Contains("token id 23 of stream 1 outside"));
  CHECK_THROWS_AS(s.step(negative), std::out_of_range);
  CHECK_THROWS_AS(s.reset(2), std::out_of_range);
  const std::vector<int32_t> ok{1, 2};
  s.step(ok);
  CHECK_THROWS_AS(s.log_probs(2), std::out_of_range);
  CHECK(s.log_probs(1).size() == std::size_t(m.vocab));
}
