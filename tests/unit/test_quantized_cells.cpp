// The quantized LSTM and GRU forward passes against their equations, computed by hand with
// plain loops on a hand-sized example: TTQ weights (threshold and scale worked out here), 2-bit
// uniform gates, sloping factors other than 1.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "core/config/load.hpp"
#include "core/nn/gru.hpp"
#include "core/nn/lstm.hpp"
#include "core/quant/registry.hpp"
#include "experiments/lib/build_model.hpp"

using namespace hitnet;

namespace {

// TTQ by its definition: Δ = 0.7·mean|w|, α = mean of |w| above Δ.
Matrix ttq_by_hand(const Matrix& w) {
  const float delta = 0.7f * w.cwiseAbs().mean();
  float sum = 0;
  int count = 0;
  for (Eigen::Index k = 0; k < w.size(); ++k)
    if (std::abs(w.data()[k]) > delta) sum += std::abs(w.data()[k]), ++count;
  const float alpha = sum / count;
  Matrix q = w;
  for (Eigen::Index k = 0; k < q.size(); ++k)
    q.data()[k] = std::abs(w.data()[k]) > delta ? std::copysign(alpha, w.data()[k]) : 0.0f;
  return q;
}

// 2-bit uniform on [lo, hi]: 4 levels including both ends.
float uniform2(float x, float lo, float hi) {
  const float step = (hi - lo) / 3.0f;
  return lo + std::nearbyint((std::clamp(x, lo, hi) - lo) / step) * step;
}
float sigmoid_q(float a, float slope) {
  return uniform2(1.0f / (1.0f + std::exp(-a / slope)), 0, 1);
}
float tanh_q(float a, float slope) {
  return uniform2(std::tanh(a / slope), -1, 1);
}

QuantizerPtr quantizer(const std::string& method, Domain domain) {
  return make_quantizer(
      method == "uniform" ? quant_spec(method, {{"bits", 2}}) : quant_spec(method), domain);
}

struct Example {
  int input = 3, hidden = 2, steps = 3, batch = 2;
  Matrix x;
  Example() {
    Rng rng(5);
    std::uniform_real_distribution<float> u(-1.5f, 1.5f);
    x.resize(input, steps * batch);
    for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = u(rng);
  }
};

void randomize(ParameterStore& store, Rng& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (Eigen::Index k = 0; k < store.values().size(); ++k) store.values()[k] = u(rng);
}

}  // namespace

TEST_CASE("quantized LSTM forward equals its equations", "[quant][cells]") {
  Example ex;
  const float ls = 0.5f, lt = 0.8f;
  LayerQuant lq;
  lq.w_ih = quantizer("ttq", Domain::kWeight);
  lq.w_hh = quantizer("ttq", Domain::kWeight);
  for (const char* g : {"i", "f", "o"}) lq.gates[g] = quantizer("uniform", Domain::kUnit);
  for (const char* g : {"g", "c"}) lq.gates[g] = quantizer("uniform", Domain::kSigned);
  lq.sigmoid_slope = ls, lq.tanh_slope = lt;
  ParameterStore store;
  Lstm lstm(store, 0, ex.input, ex.hidden, std::move(lq));
  store.allocate();
  Rng rng(3);
  randomize(store, rng);
  LayerState state = lstm.initial_state(ex.batch);
  state.h.setConstant(0.3f), state.c.setConstant(-0.2f);
  const LayerState start = state;
  lstm.quantize_weights(rng, Pass::evaluate());
  lstm.forward(ex.x, ex.steps, ex.batch, state, rng, Pass::evaluate());

  const Matrix w = ttq_by_hand(store.value(0)), u = ttq_by_hand(store.value(1));
  const Vector bias = store.value(2).col(0);
  const int H = ex.hidden;
  Matrix h = start.h, c = start.c;
  for (int t = 0; t < ex.steps; ++t) {
    Matrix h_new(H, ex.batch), c_new(H, ex.batch);
    for (int b = 0; b < ex.batch; ++b) {
      const Vector a = w * ex.x.col(t * ex.batch + b) + u * h.col(b) + bias;  // rows i f o g
      for (int j = 0; j < H; ++j) {
        const float i = sigmoid_q(a(j), ls), f = sigmoid_q(a(H + j), ls),
                    o = sigmoid_q(a(2 * H + j), ls), g = tanh_q(a(3 * H + j), lt);
        c_new(j, b) = f * c(j, b) + i * g;
        h_new(j, b) = o * tanh_q(c_new(j, b), lt);
      }
    }
    h = h_new, c = c_new;
    INFO("step " << t);
    REQUIRE((lstm.output().middleCols(t * ex.batch, ex.batch) - h).cwiseAbs().maxCoeff() < 1e-5f);
  }
  CHECK((state.h - h).cwiseAbs().maxCoeff() < 1e-5f);
  CHECK((state.c - c).cwiseAbs().maxCoeff() < 1e-5f);
  // A ternary weight matrix has at most three distinct values.
  std::set<float> levels(w.data(), w.data() + w.size());
  CHECK(levels.size() <= 3);
}

TEST_CASE("quantized GRU forward equals its equations", "[quant][cells]") {
  Example ex;
  const float ls = 0.6f, lt = 0.7f;
  LayerQuant lq;
  lq.w_ih = quantizer("ttq", Domain::kWeight);
  lq.w_hh = quantizer("ttq", Domain::kWeight);
  for (const char* g : {"r", "z"}) lq.gates[g] = quantizer("uniform", Domain::kUnit);
  lq.gates["n"] = quantizer("uniform", Domain::kSigned);
  lq.sigmoid_slope = ls, lq.tanh_slope = lt;
  ParameterStore store;
  Gru gru(store, 0, ex.input, ex.hidden, std::move(lq));
  store.allocate();
  Rng rng(4);
  randomize(store, rng);
  LayerState state = gru.initial_state(ex.batch);
  state.h.setConstant(-0.4f);
  Matrix h = state.h;
  gru.quantize_weights(rng, Pass::evaluate());
  gru.forward(ex.x, ex.steps, ex.batch, state, rng, Pass::evaluate());

  const Matrix w = ttq_by_hand(store.value(0)), u = ttq_by_hand(store.value(1));
  const Vector b_ih = store.value(2).col(0), b_hh = store.value(3).col(0);
  const int H = ex.hidden;
  for (int t = 0; t < ex.steps; ++t) {
    Matrix h_new(H, ex.batch);
    for (int b = 0; b < ex.batch; ++b) {
      const Vector gx = w * ex.x.col(t * ex.batch + b) + b_ih, gh = u * h.col(b) + b_hh;  // r z n
      for (int j = 0; j < H; ++j) {
        const float r = sigmoid_q(gx(j) + gh(j), ls), z = sigmoid_q(gx(H + j) + gh(H + j), ls);
        const float n = tanh_q(gx(2 * H + j) + r * gh(2 * H + j), lt);
        h_new(j, b) = (1 - z) * n + z * h(j, b);
      }
    }
    h = h_new;
    INFO("step " << t);
    REQUIRE((gru.output().middleCols(t * ex.batch, ex.batch) - h).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

TEST_CASE("a quantizer no gate of the cell takes is an error, not ignored", "[quant][cells]") {
  ParameterStore store;
  LayerQuant lq;
  lq.gates["i"] = quantizer("uniform", Domain::kUnit);  // an LSTM gate, given to a GRU
  CHECK_THROWS_WITH(Gru(store, 0, 3, 2, std::move(lq)),
                    Catch::Contains("a quantizer for gate 'i', which gru does not have"));
  LayerQuant bias;
  bias.b_hh = quantizer("uniform", Domain::kWeight);
  CHECK_THROWS_WITH(Lstm(store, 1, 3, 2, std::move(bias)),
                    Catch::Contains("b_hh, which lstm does not have"));
}

TEST_CASE("gate granularity quantizes each gate's block of rows as a tensor of its own",
          "[quant][cells]") {
  const int hidden = 5, input = 7, blocks = 4;
  Rng rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Matrix w(blocks * hidden, input);
  for (Eigen::Index k = 0; k < w.size(); ++k) w.data()[k] = u(rng);
  w.middleRows(2 * hidden, hidden) *= 5.0f;  // one gate with much larger weights
  QuantizedTensor per_gate(quantizer("ttq", Domain::kWeight), blocks);
  QuantizedTensor per_tensor(quantizer("ttq", Domain::kWeight));
  per_gate.apply(ConstMatrixMap(w.data(), w.rows(), w.cols()), rng, Pass::train());
  per_tensor.apply(ConstMatrixMap(w.data(), w.rows(), w.cols()), rng, Pass::train());
  for (int b = 0; b < blocks; ++b) {
    INFO("gate block " << b);
    const Matrix block = w.middleRows(b * hidden, hidden);
    CHECK(Matrix(per_gate.values().middleRows(b * hidden, hidden)) == ttq_by_hand(block));
  }
  CHECK(Matrix(per_tensor.values()) == ttq_by_hand(w));
  CHECK(Matrix(per_gate.values()) != Matrix(per_tensor.values()));
}

TEST_CASE("quant.weight_granularity gate reaches the cell's weights", "[quant][cells]") {
  ParameterStore store;
  LayerQuant q;
  q.w_hh = quantizer("ttq", Domain::kWeight);
  q.weight_blocks = 3;
  CHECK_THROWS_WITH(Lstm(store, 0, 3, 2, std::move(q)),
                    Catch::Contains("weights quantized in 3 blocks, expected 1 or 4"));
}

TEST_CASE("quant.weight_granularity reaches every recurrent weight from the config",
          "[quant][cells][config]") {
  for (const char* cell : {"lstm", "gru"}) {
    for (const char* granularity : {"tensor", "gate"}) {
      const Config cfg =
          load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml",
                      {std::string("model.cell=") + cell, "quant.weight_quant=ttq",
                       std::string("quant.weight_granularity=") + granularity});
      const auto model = build_model(cfg, cfg.data.synthetic_vocab);
      const int blocks = std::string(granularity) == "gate" ? find_cell(cell)->blocks : 1;
      INFO(cell << " " << granularity);
      int recurrent_weights = 0;
      for (const auto& w : model->weights()) {
        if (w.name.find(".w_") == std::string::npos) continue;
        INFO(cell << " " << granularity << " " << w.name);
        CHECK(w.quantized->row_blocks() == blocks);
        ++recurrent_weights;
      }
      CHECK(recurrent_weights == 2);
    }
  }
}

TEST_CASE("a recurrent matrix's diagonal quantized apart gets a threshold and scale of its own",
          "[quant][cells]") {
  const int hidden = 30, blocks = 3;
  Rng rng(4);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Matrix w(blocks * hidden, hidden);
  for (Eigen::Index k = 0; k < w.size(); ++k) w.data()[k] = u(rng);
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < hidden; ++i)
      w(b * hidden + i, i) = -6.0f - 0.1f * float(i);  // a strong self-loop
  QuantizedTensor apart(quantizer("ttq", Domain::kWeight), 1, true);
  apart.apply(ConstMatrixMap(w.data(), w.rows(), w.cols()), rng, Pass::train());
  // The diagonal entries, and the rest, each quantized by TTQ's definition as a tensor of their
  // own (to rounding: the scale's sum runs in another order here).
  Matrix diagonal(blocks * hidden, 1), rest = w, q_rest = Matrix(apart.values());
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < hidden; ++i) diagonal(b * hidden + i, 0) = w(b * hidden + i, i);
  const Matrix q_diagonal = ttq_by_hand(diagonal);
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < hidden; ++i) {
      CHECK(apart.values()(b * hidden + i, i) ==
            Approx(q_diagonal(b * hidden + i, 0)).epsilon(1e-6));
      rest(b * hidden + i, i) = 0, q_rest(b * hidden + i, i) = 0;
    }
  // The rest: TTQ over the off-diagonal entries alone (zeros put in the diagonal's place would
  // change the mean, so compare the nonzero levels and their positions).
  std::vector<float> off;
  for (Eigen::Index c = 0; c < w.cols(); ++c)
    for (Eigen::Index r = 0; r < w.rows(); ++r)
      if (r % hidden != c) off.push_back(w(r, c));
  const Matrix q_off =
      ttq_by_hand(Eigen::Map<const Matrix>(off.data(), Eigen::Index(off.size()), 1));
  std::size_t k = 0;
  for (Eigen::Index c = 0; c < w.cols(); ++c)
    for (Eigen::Index r = 0; r < w.rows(); ++r)
      if (r % hidden != c)
        CHECK(apart.values()(r, c) == Approx(q_off(Eigen::Index(k++), 0)).epsilon(1e-6));
  // Shared, the diagonal's one scale is far below its entries.
  QuantizedTensor shared(quantizer("ttq", Domain::kWeight));
  shared.apply(ConstMatrixMap(w.data(), w.rows(), w.cols()), rng, Pass::train());
  CHECK(std::abs(shared.values()(0, 0)) < std::abs(apart.values()(0, 0)));
  CHECK(apart.values()(0, 0) < -6.0f);
}

TEST_CASE("quant.recurrent_diagonal apart reaches W_hh only", "[quant][cells][config]") {
  for (const char* cell : {"lstm", "gru"}) {
    const Config cfg = load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml",
                                   {std::string("model.cell=") + cell, "quant.weight_quant=ttq",
                                    "quant.recurrent_diagonal=apart"});
    const auto model = build_model(cfg, cfg.data.synthetic_vocab);
    for (const auto& w : model->weights()) {
      INFO(cell << " " << w.name);
      if (w.name.find(".w_hh") != std::string::npos) CHECK(w.quantized->diagonal_apart());
      if (w.name.find(".w_ih") != std::string::npos) CHECK_FALSE(w.quantized->diagonal_apart());
    }
  }
}
