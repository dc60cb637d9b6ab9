#include "core/infer/session.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/infer/kernel_variants.hpp"

namespace hitnet::infer {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorMap = Eigen::Map<const RowMajor>;
using VectorMap = Eigen::Map<const Eigen::VectorXf>;

RowMajorMap map(const FloatMatrix& m) {
  return RowMajorMap(m.values.data(), m.rows, m.cols);
}

// W = α·T as float32 (each weight with its group's α), the values the trainer's quantizer
// produces.
Eigen::MatrixXf expand(const WeightMatrix& w) {
  const auto* t = std::get_if<TernaryMatrix>(&w);
  if (!t) return {};
  Eigen::MatrixXf m(t->rows, t->cols);
  for (int r = 0; r < t->rows; ++r)
    for (int c = 0; c < t->cols; ++c) m(r, c) = t->weight(r, c);
  return m;
}

enum class Levels { kSigned, kUnit, kUnitHalves };  // {-1, 0, 1}, {0, 1}, {0, 1/2, 1}

// A sigmoid placement's levels as the file records them.
Levels unit_levels(const PackedLayer& layer, int placement) {
  return layer.half_levels(placement) ? Levels::kUnitHalves : Levels::kUnit;
}

// BTQ at evaluation in deterministic mode, as core/quant/btq.cpp computes it, for rows
// [row, row + n) of every column: the nearest level of {-1, 0, 1} or {0, 1}; {0, 1/2, 1} as
// (round(clamp(2x - 1, -1, 1)) + 1) / 2, the same float operations in the same order.
void round_to_levels(Eigen::MatrixXf& m, Eigen::Index row, Eigen::Index n, Levels levels) {
  auto each = [&](auto round) {  // the level choice made once, not per element
    for (Eigen::Index b = 0; b < m.cols(); ++b) {
      float* v = m.col(b).data() + row;
      for (Eigen::Index k = 0; k < n; ++k) v[k] = round(v[k]);
    }
  };
  switch (levels) {
    case Levels::kSigned:
      return each([](float x) { return std::round(std::clamp(x, -1.0f, 1.0f)); });
    case Levels::kUnit:
      return each([](float x) { return std::round(std::clamp(x, 0.0f, 1.0f)); });
    case Levels::kUnitHalves:
      return each([](float x) {
        return 0.5f * std::round(std::clamp(2.0f * x - 1.0f, -1.0f, 1.0f)) + 0.5f;
      });
  }
}

}  // namespace

Session::Session(const PackedModel& model, int batch, Engine engine, Isa isa)
    : model_(model), batch_(batch), engine_(engine), isa_(isa) {
  kernel_variant(isa);  // throws when this build or the CPU does not have it
  if (batch < 1)
    throw std::invalid_argument("Session: batch must be >= 1, got " + std::to_string(batch));
  model.validate();
  const int H = model.hidden;
  for (std::size_t l = 0; l < model.layers.size(); ++l) {
    ternary_hidden_.push_back(model.hidden_ternary(int(l)));
    const PackedLayer& layer = model.layers[l];
    LayerWeights w;
    if (engine == Engine::kFloat32Gemm) {
      w.w_ih.expanded = expand(layer.w_ih);
      w.w_hh.expanded = expand(layer.w_hh);
    } else {  // ternary matrices in the layout of their kernel, for their kind of input
      if (const auto* ih = std::get_if<TernaryMatrix>(&layer.w_ih))
        w.w_ih.ternary.emplace(isa, *ih, model.input_ternary(int(l)));
      if (const auto* hh = std::get_if<TernaryMatrix>(&layer.w_hh))
        w.w_hh.ternary.emplace(isa, *hh, ternary_hidden_[l]);
    }
    prepared_.push_back(std::move(w));
    LayerState s;
    s.h = Matrix::Zero(H, batch);
    if (model.cell == Cell::kLstm) s.c = Matrix::Zero(H, batch);
    if (ternary_hidden_[l]) s.planes.resize(batch, TernaryMatrix::words_for(H));  // all zero
    states_.push_back(std::move(s));
  }
}

void Session::reset() {
  for (int b = 0; b < batch_; ++b) reset(b);
}

void Session::reset(int stream) {
  if (stream < 0 || stream >= batch_)
    throw std::out_of_range("Session::reset: stream " + std::to_string(stream) + " outside [0, " +
                            std::to_string(batch_) + ")");
  for (std::size_t l = 0; l < states_.size(); ++l) {
    LayerState& s = states_[l];
    s.h.col(stream).setZero();
    if (s.c.size()) s.c.col(stream).setZero();
    if (ternary_hidden_[l]) s.planes.set(stream, s.h.col(stream).data(), model_.hidden);
  }
  output_steps_ = 0;
}

void Session::multiply(const WeightMatrix& w, Prepared& prepared, const Matrix& x,
                       const TernaryPlanes* planes, Matrix& out) {
  if (const auto* f = std::get_if<FloatMatrix>(&w))
    out.noalias() = map(*f) * x;
  else if (engine_ == Engine::kFloat32Gemm)
    out.noalias() = prepared.expanded * x;
  else
    (*prepared.ternary)(x, planes, out);
}

void Session::products(std::size_t l, const Matrix& x, const TernaryPlanes* planes) {
  const PackedLayer& layer = model_.layers[l];
  LayerState& state = states_[l];
  multiply(layer.w_ih, prepared_[l].w_ih, x, planes, gates_);
  gates_.colwise() += VectorMap(layer.bias_ih.data(), Eigen::Index(layer.bias_ih.size()));
  multiply(layer.w_hh, prepared_[l].w_hh, state.h, ternary_hidden_[l] ? &state.planes : nullptr,
           recurrent_);
}

void Session::lstm_step(std::size_t l, const Matrix& x, const TernaryPlanes* planes) {
  const PackedLayer& layer = model_.layers[l];
  LayerState& state = states_[l];
  const Eigen::Index H = model_.hidden;
  const float inv_sigmoid_slope = 1.0f / layer.sigmoid_slope;
  const float inv_tanh_slope = 1.0f / layer.tanh_slope;

  // a = (W_ih x + b) + W_hh h, summed in the trainer's order.
  products(l, x, planes);
  gates_ += recurrent_;

  // [i f o] = σ(a / λσ), g = tanh(a / λtanh), each rounded where it is BTQ.
  auto a = gates_.array();
  a.topRows(3 * H) = ((-inv_sigmoid_slope * a.topRows(3 * H)).exp() + 1.0f).inverse();
  a.bottomRows(H) = (inv_tanh_slope * a.bottomRows(H)).tanh();
  for (int g : {kLstmI, kLstmF, kLstmO, kLstmG})
    if (layer.quantized(g))
      round_to_levels(gates_, g * H, H, g == kLstmG ? Levels::kSigned : unit_levels(layer, g));
  const auto i = a.middleRows(kLstmI * H, H), f = a.middleRows(kLstmF * H, H),
             o = a.middleRows(kLstmO * H, H), g = a.middleRows(kLstmG * H, H);

  // c = Qcell(f ⊙ c + i ⊙ g); h = Qh(o ⊙ Qc(tanh(c / λtanh))).
  state.c = (f * state.c.array() + i * g).matrix();
  if (layer.quantized(kLstmCell)) round_to_levels(state.c, 0, H, Levels::kSigned);
  recurrent_ = (inv_tanh_slope * state.c.array()).tanh().matrix();
  if (layer.quantized(kLstmC)) round_to_levels(recurrent_, 0, H, Levels::kSigned);
  state.h = (o * recurrent_.array()).matrix();
  if (layer.quantized(kLstmH)) round_to_levels(state.h, 0, H, Levels::kSigned);
}

void Session::gru_step(std::size_t l, const Matrix& x, const TernaryPlanes* planes) {
  const PackedLayer& layer = model_.layers[l];
  LayerState& state = states_[l];
  const Eigen::Index H = model_.hidden;
  const float inv_sigmoid_slope = 1.0f / layer.sigmoid_slope;
  const float inv_tanh_slope = 1.0f / layer.tanh_slope;

  // gx = W_ih x + b_ih, gh = W_hh h + b_hh.
  products(l, x, planes);
  recurrent_.colwise() += VectorMap(layer.bias_hh.data(), 3 * H);

  // r, z = σ((gx + gh) / λσ); n = tanh((gx_n + r ⊙ gh_n) / λtanh), each rounded where BTQ.
  auto a = gates_.array();
  a.topRows(2 * H) += recurrent_.array().topRows(2 * H);
  a.topRows(2 * H) = ((-inv_sigmoid_slope * a.topRows(2 * H)).exp() + 1.0f).inverse();
  for (int g : {kGruR, kGruZ})
    if (layer.quantized(g)) round_to_levels(gates_, g * H, H, unit_levels(layer, g));
  a.bottomRows(H) += a.middleRows(kGruR * H, H) * recurrent_.array().bottomRows(H);
  a.bottomRows(H) = (inv_tanh_slope * a.bottomRows(H)).tanh();
  if (layer.quantized(kGruN)) round_to_levels(gates_, kGruN * H, H, Levels::kSigned);

  // h = Qh((1 - z) ⊙ n + z ⊙ h).
  const auto z = a.middleRows(kGruZ * H, H), n = a.middleRows(kGruN * H, H);
  state.h = ((1.0f - z) * n + z * state.h.array()).matrix();
  if (layer.quantized(kGruH)) round_to_levels(state.h, 0, H, Levels::kSigned);
}

void Session::advance(std::span<const int32_t> tokens) {
  if (tokens.size() != std::size_t(batch_))
    throw std::invalid_argument("Session: " + std::to_string(tokens.size()) + " tokens for " +
                                std::to_string(batch_) + " streams");
  embedded_.resize(model_.embedding, batch_);
  for (int b = 0; b < batch_; ++b) {
    const int32_t t = tokens[std::size_t(b)];
    if (t < 0 || t >= model_.vocab)
      throw std::out_of_range("Session: token id " + std::to_string(t) + " of stream " +
                              std::to_string(b) + " outside the vocabulary [0, " +
                              std::to_string(model_.vocab) + ")");
    embedded_.col(b) = VectorMap(model_.embedding_table.row(t), model_.embedding);
  }
  const Matrix* x = &embedded_;
  const TernaryPlanes* planes = nullptr;
  for (std::size_t l = 0; l < states_.size(); ++l) {
    if (model_.cell == Cell::kLstm)
      lstm_step(l, *x, planes);
    else
      gru_step(l, *x, planes);
    LayerState& s = states_[l];
    if (ternary_hidden_[l])
      for (int b = 0; b < batch_; ++b) s.planes.set(b, s.h.col(b).data(), model_.hidden);
    x = &s.h;
    planes = ternary_hidden_[l] ? &s.planes : nullptr;
  }
  output_steps_ = 0;
}

void Session::step(std::span<const int32_t> tokens) {
  if (tokens.size() != std::size_t(batch_))
    throw std::invalid_argument("Session: " + std::to_string(tokens.size()) + " tokens for " +
                                std::to_string(batch_) + " streams");
  steps(tokens);
}

void Session::steps(std::span<const int32_t> tokens) {
  const std::size_t B = std::size_t(batch_);
  if (tokens.empty() || tokens.size() % B != 0)
    throw std::invalid_argument("Session::steps: " + std::to_string(tokens.size()) +
                                " tokens are not a whole number of steps of " +
                                std::to_string(batch_) + " streams");
  const int T = int(tokens.size() / B);
  outputs_.resize(model_.hidden, Eigen::Index(T) * batch_);
  for (int t = 0; t < T; ++t) {
    advance(tokens.subspan(std::size_t(t) * B, B));
    outputs_.middleCols(Eigen::Index(t) * batch_, batch_) = states_.back().h;
  }
  output();
  output_steps_ = T;
}

void Session::output() {
  // logits = W_dec h + b for every step at once, then log-softmax per column as the trainer's
  // cross-entropy takes it.
  logits_.noalias() = map(model_.decoder()) * outputs_;
  logits_.colwise() += VectorMap(model_.decoder_bias.data(), model_.vocab);
  for (Eigen::Index k = 0; k < logits_.cols(); ++k) {
    auto z = logits_.col(k).array();
    const float max = z.maxCoeff();
    const float log_sum = float(std::log(double((z - max).exp().sum())));
    z = z - max - log_sum;
  }
}

std::span<const float> Session::log_probs(int stream, int step) const {
  if (output_steps_ == 0)
    throw std::logic_error("Session::log_probs: no output since the last advance() or reset()");
  if (stream < 0 || stream >= batch_ || step < 0 || step >= output_steps_)
    throw std::out_of_range("Session::log_probs: stream " + std::to_string(stream) + ", step " +
                            std::to_string(step) + " outside [0, " + std::to_string(batch_) +
                            ") x [0, " + std::to_string(output_steps_) + ")");
  return {logits_.col(Eigen::Index(step) * batch_ + stream).data(), std::size_t(model_.vocab)};
}

}  // namespace hitnet::infer
