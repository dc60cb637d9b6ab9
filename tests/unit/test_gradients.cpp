// Every layer's backward against central finite differences of the loss, through the whole
// language model (embedding, LSTM/GRU stacks, decoder, softmax cross-entropy).
#include <catch2/catch.hpp>

#include "core/nn/language_model.hpp"

using namespace hitnet;

namespace {

struct Batch {
  std::vector<int32_t> inputs, targets;
  Window window(int steps, int batch) const {
    return {steps, batch, inputs.data(), targets.data()};
  }
};

Batch random_batch(int steps, int batch, int vocab, Rng& rng) {
  std::uniform_int_distribution<int32_t> token(0, vocab - 1);
  Batch b;
  for (int k = 0; k < steps * batch; ++k)
    b.inputs.push_back(token(rng)), b.targets.push_back(token(rng));
  return b;
}

// Loss of the window from a fixed initial state (the state is carried, so copy it each time).
double loss_at(LanguageModel& model, const Window& w, const ModelState& state0) {
  ModelState state = state0;
  Rng rng(7);
  model.parameters().zero_grads();
  return model.forward_backward(w, state, rng, 1.0f);
}

// A stand-in quantizer that is differentiable: q = 0.9·x with the STE mask 0.9, its true
// derivative. Placed on every weight and gate, finite differences then check the quantized
// path's wiring (quantized values used in the products, masks applied in backward) that full
// precision skips. Real quantizers' masks are tested in test_quant.cpp.
class Scaled : public Quantizer {
 public:
  void apply(const float* x, float* q, float* mask, std::size_t n, Rng&,
             const Pass&) const override {
    for (std::size_t k = 0; k < n; ++k) q[k] = 0.9f * x[k], mask[k] = 0.9f;
  }
  std::string describe() const override { return "0.9x"; }
};

QuantizerPtr fine(Domain) {
  return std::make_unique<Scaled>();
}

LayerQuant fine_layer(const std::string& cell) {
  LayerQuant lq;
  lq.w_ih = fine(Domain::kWeight), lq.w_hh = fine(Domain::kWeight);
  lq.b_ih = fine(Domain::kWeight);
  if (find_cell(cell)->recurrent_bias) lq.b_hh = fine(Domain::kWeight);
  for (const GateSpec& g : find_cell(cell)->gates) lq.gates[g.name] = fine(g.domain);
  return lq;
}

void check_gradients(const std::string& cell, int layers, float sigmoid_slope, float tanh_slope,
                     bool tie = false, bool quantized = false, float dropout = 0.0f) {
  ModelShape shape;
  shape.cell = cell, shape.vocab = 11, shape.embedding = 6, shape.hidden = tie ? 6 : 5;
  shape.layers = layers, shape.dropout = dropout, shape.tie_weights = tie;
  ModelQuant quant;
  for (int l = 0; l < layers; ++l) {
    LayerQuant lq = quantized ? fine_layer(cell) : LayerQuant{};
    lq.sigmoid_slope = sigmoid_slope, lq.tanh_slope = tanh_slope;
    quant.layers.push_back(std::move(lq));
  }
  if (quantized) {
    quant.embedding_output = fine(Domain::kWeight);
    quant.decoder_weight = fine(Domain::kWeight);
  }
  LanguageModel model(shape, std::move(quant));
  Rng rng(42);
  model.init_uniform(0.5f, rng);
  const int steps = 4, batch = 3;
  Batch data = random_batch(steps, batch, shape.vocab, rng);
  Window w = data.window(steps, batch);

  // A non-zero carried state, so that gradients through h_{-1}, c_{-1} paths are exercised too.
  ModelState state0 = model.initial_state(batch);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  for (auto& s : state0) {
    for (Eigen::Index k = 0; k < s.h.size(); ++k) s.h.data()[k] = normal(rng);
    for (Eigen::Index k = 0; k < s.c.size(); ++k) s.c.data()[k] = normal(rng);
  }

  loss_at(model, w, state0);
  const Vector analytic = model.parameters().grads();
  Vector& p = model.parameters().values();
  const float eps = 1e-2f;
  int checked = 0;
  for (const auto& info : model.parameters().all()) {
    // Every entry of small tensors; a spread of entries of the (vocab-sized) large ones.
    const std::size_t stride = info.size() > 60 ? info.size() / 60 + 1 : 1;
    for (std::size_t k = 0; k < info.size(); k += stride) {
      const Eigen::Index idx = static_cast<Eigen::Index>(info.offset + k);
      const float saved = p[idx];
      p[idx] = saved + eps;
      const double up = loss_at(model, w, state0);
      p[idx] = saved - eps;
      const double down = loss_at(model, w, state0);
      p[idx] = saved;
      const double numeric = (up - down) / (2.0 * eps);
      const double a = analytic[idx];
      INFO(info.name << "[" << k << "]: analytic " << a << ", numeric " << numeric);
      REQUIRE(std::abs(a - numeric) <= 2e-2 * std::max(std::abs(a), std::abs(numeric)) + 2e-3);
      ++checked;
    }
  }
  CHECK(checked > 100);
}

}  // namespace

TEST_CASE("LSTM language model gradients match finite differences", "[gradients]") {
  SECTION("one layer") {
    check_gradients("lstm", 1, 1.0f, 1.0f);
  }
  SECTION("two layers") {
    check_gradients("lstm", 2, 1.0f, 1.0f);
  }
  SECTION("three layers, tied weights") {
    check_gradients("lstm", 3, 1.0f, 1.0f, true);
  }
}

TEST_CASE("GRU language model gradients match finite differences", "[gradients]") {
  SECTION("one layer") {
    check_gradients("gru", 1, 1.0f, 1.0f);
  }
  SECTION("two layers") {
    check_gradients("gru", 2, 1.0f, 1.0f);
  }
  SECTION("three layers, tied weights") {
    check_gradients("gru", 3, 1.0f, 1.0f, true);
  }
}

TEST_CASE("gradients with sloping factors other than 1", "[gradients][quant]") {
  SECTION("LSTM, steep sigmoid and tanh") {
    check_gradients("lstm", 2, 0.5f, 0.7f);
  }
  SECTION("LSTM, flat") {
    check_gradients("lstm", 1, 2.0f, 1.5f);
  }
  SECTION("GRU, steep sigmoid and tanh") {
    check_gradients("gru", 2, 0.5f, 0.7f);
  }
}

TEST_CASE("gradients through the quantized path", "[gradients][quant]") {
  SECTION("LSTM") {
    check_gradients("lstm", 2, 0.7f, 0.8f, false, true);
  }
  SECTION("GRU") {
    check_gradients("gru", 2, 0.7f, 0.8f, false, true);
  }
}

TEST_CASE("gradients with dropout (the same mask in every evaluation)", "[gradients]") {
  // loss_at() reseeds the generator, so every finite-difference evaluation draws the same
  // dropout masks and the loss stays a smooth function of the parameters.
  SECTION("LSTM") {
    check_gradients("lstm", 2, 1.0f, 1.0f, false, false, 0.3f);
  }
  SECTION("GRU") {
    check_gradients("gru", 2, 1.0f, 1.0f, false, false, 0.3f);
  }
}
