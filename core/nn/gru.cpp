#include "core/nn/gru.hpp"

namespace hitnet {
namespace {
enum Gate { kR = 0, kZ = 1, kN = 2 };
const char* const kGateNames[3] = {"r", "z", "n"};
}  // namespace

Gru::Gru(ParameterStore& store, int index, int input, int hidden, LayerQuant quant)
    : store_(store),
      name_("gru" + std::to_string(index)),
      hidden_(hidden),
      w_ih_(store.declare(name_ + ".w_ih", 3 * hidden, input)),
      w_hh_(store.declare(name_ + ".w_hh", 3 * hidden, hidden)),
      b_ih_(store.declare(name_ + ".b_ih", 3 * hidden, 1)),
      b_hh_(store.declare(name_ + ".b_hh", 3 * hidden, 1)),
      w_ih_q_(std::move(quant.w_ih)),
      w_hh_q_(std::move(quant.w_hh)),
      b_ih_q_(std::move(quant.bias_ih)),
      b_hh_q_(std::move(quant.bias_hh)),
      inv_sigmoid_slope_(1.0f / quant.sigmoid_slope),
      inv_tanh_slope_(1.0f / quant.tanh_slope) {
  for (int g = 0; g < 3; ++g) gate_quant_[g].quantizer = quant.take_gate(kGateNames[g]);
  hidden_quant_.quantizer = quant.take_gate("h");
  for (const auto& gq : gate_quant_) quantized_gates_ = quantized_gates_ || gq.active();
}

LayerState Gru::initial_state(int batch) const {
  return {Matrix::Zero(hidden_, batch), Matrix()};
}

void Gru::quantize_weights(Rng& rng, const Pass& pass) {
  w_ih_q_.apply(store_.value(w_ih_), rng, pass);
  w_hh_q_.apply(store_.value(w_hh_), rng, pass);
  b_ih_q_.apply(store_.value(b_ih_), rng, pass);
  b_hh_q_.apply(store_.value(b_hh_), rng, pass);
}

void Gru::forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                  Rng& rng, const Pass& pass) {
  const Eigen::Index H = hidden_, B = batch, TB = Eigen::Index(steps) * batch;
  steps_ = steps, batch_ = batch;

  // Input projection of every step of the window: one GEMM.
  pre_.noalias() = w_ih_q_.values() * x;
  pre_.colwise() += b_ih_q_.values().col(0);

  post_.resize(3 * H, TB);
  recurrent_n_.resize(H, TB);
  if (quantized_gates_) gates_q_.resize(3 * H, TB), gates_mask_.resize(3 * H, TB);
  hiddens_.resize(H, TB + B);
  hiddens_.leftCols(B) = state.h;
  if (hidden_quant_.active()) hidden_mask_.resize(H, TB);

  const auto w_hh = w_hh_q_.values();
  const auto b_hh = b_hh_q_.values().col(0);
  for (int t = 0; t < steps; ++t) {
    const Eigen::Index col = t * B;
    recurrent_.noalias() = w_hh * hiddens_.middleCols(col, B);  // the recurrent product
    recurrent_.colwise() += b_hh;

    auto a = pre_.middleCols(col, B);
    auto s = post_.middleCols(col, B);
    auto gates = quantized_gates_ ? gates_q_.middleCols(col, B) : post_.middleCols(col, B);
    // r and z first: n needs the (quantized) reset gate.
    a.topRows(2 * H) += recurrent_.topRows(2 * H);
    s.topRows(2 * H) = ((-inv_sigmoid_slope_ * a.topRows(2 * H).array()).exp() + 1.0f).inverse();
    if (quantized_gates_)
      for (int g : {kR, kZ})
        quantize_gate(gate_quant_[g], s, gates, gates_mask_.middleCols(col, B), g * H, H, scratch_,
                      rng, pass);
    recurrent_n_.middleCols(col, B) = recurrent_.bottomRows(H);
    a.bottomRows(H).array() +=
        gates.middleRows(kR * H, H).array() * recurrent_.bottomRows(H).array();
    s.bottomRows(H) = (inv_tanh_slope_ * a.bottomRows(H).array()).tanh();
    if (quantized_gates_)
      quantize_gate(gate_quant_[kN], s, gates, gates_mask_.middleCols(col, B), kN * H, H, scratch_,
                    rng, pass);

    const auto z = gates.middleRows(kZ * H, H).array(), n = gates.middleRows(kN * H, H).array();
    auto h = hiddens_.middleCols(col + B, B);
    h = (1.0f - z) * n + z * hiddens_.middleCols(col, B).array();
    if (hidden_quant_.active())
      quantize_rows(hidden_quant_, h, h, hidden_mask_.middleCols(col, B), 0, H, scratch_, rng,
                    pass);
  }
  state.h = hiddens_.rightCols(B);
}

Eigen::Ref<const Matrix> Gru::output() const {
  return hiddens_.rightCols(Eigen::Index(steps_) * batch_);
}

void Gru::backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) {
  const Eigen::Index H = hidden_, B = batch_, TB = Eigen::Index(steps_) * batch_;
  const Matrix& gates_all = quantized_gates_ ? gates_q_ : post_;
  const auto w_hh = w_hh_q_.values();

  Matrix d_gx(3 * H, TB), d_gh(3 * H, TB);  // dL/d(gx), dL/d(gh) for every step
  Matrix dh_next = Matrix::Zero(H, B);
  Array dh(H, B);
  for (int t = steps_ - 1; t >= 0; --t) {
    const Eigen::Index col = t * B;
    dh = d_out.middleCols(col, B).array() + dh_next.array();
    if (hidden_quant_.active()) dh *= hidden_mask_.middleCols(col, B).array();

    const auto gates = gates_all.middleCols(col, B);
    const auto r = gates.middleRows(kR * H, H).array(), z = gates.middleRows(kZ * H, H).array(),
               n = gates.middleRows(kN * H, H).array();
    const auto h_prev = hiddens_.middleCols(col, B).array();
    const auto s = post_.middleCols(col, B).array();

    // h = (1 - z) ⊙ n + z ⊙ h_prev: gradients w.r.t. the (quantized) gate values.
    auto dx = d_gx.middleCols(col, B);
    dx.middleRows(kZ * H, H) = (dh * (h_prev - n)).matrix();
    dx.middleRows(kN * H, H) = (dh * (1.0f - z)).matrix();
    if (quantized_gates_) {
      const auto mask = gates_mask_.middleCols(col, B);
      dx.middleRows(kZ * H, H).array() *= mask.middleRows(kZ * H, H).array();
      dx.middleRows(kN * H, H).array() *= mask.middleRows(kN * H, H).array();
    }
    // Through tanh (n) and σ (z) with their slopes.
    dx.middleRows(kN * H, H).array() *= (1.0f - s.middleRows(kN * H, H).square()) * inv_tanh_slope_;
    const auto sz = s.middleRows(kZ * H, H);
    dx.middleRows(kZ * H, H).array() *= sz * (1.0f - sz) * inv_sigmoid_slope_;
    // a_n = gx_n + r ⊙ gh_n: into the reset gate, then through its quantizer and σ.
    dx.middleRows(kR * H, H) =
        (dx.middleRows(kN * H, H).array() * recurrent_n_.middleCols(col, B).array()).matrix();
    if (quantized_gates_)
      dx.middleRows(kR * H, H).array() *=
          gates_mask_.middleCols(col, B).middleRows(kR * H, H).array();
    const auto sr = s.middleRows(kR * H, H);
    dx.middleRows(kR * H, H).array() *= sr * (1.0f - sr) * inv_sigmoid_slope_;

    auto dr = d_gh.middleCols(col, B);
    dr.topRows(2 * H) = dx.topRows(2 * H);
    dr.bottomRows(H) = (dx.bottomRows(H).array() * r).matrix();
    dh_next.noalias() = w_hh.transpose() * dr;
    dh_next.array() += dh * z;
  }

  // Parameter gradients for the whole window: GEMMs and row sums.
  w_ih_q_.accumulate_grad(store_.grad(w_ih_), d_gx, x);
  w_hh_q_.accumulate_grad(store_.grad(w_hh_), d_gh, hiddens_.leftCols(TB));
  b_ih_q_.accumulate_grad(store_.grad(b_ih_), d_gx.rowwise().sum());
  b_hh_q_.accumulate_grad(store_.grad(b_hh_), d_gh.rowwise().sum());
  d_x.noalias() = w_ih_q_.values().transpose() * d_gx;
}

std::vector<std::pair<int, const QuantizedTensor*>> Gru::weights() const {
  return {{w_ih_, &w_ih_q_}, {w_hh_, &w_hh_q_}};
}

void Gru::report_activations(ActivationTap& tap) const {
  const Eigen::Index H = hidden_, TB = Eigen::Index(steps_) * batch_;
  for (int g = 0; g < 3; ++g) {
    const std::string tensor = name_ + "." + kGateNames[g];
    tap.record(tensor, "pre", pre_.middleRows(g * H, H));
    tap.record(tensor, "post", post_.middleRows(g * H, H));
    if (gate_quant_[g].active()) tap.record(tensor, "quantized", gates_q_.middleRows(g * H, H));
  }
  tap.record(name_ + ".h", "post", hiddens_.rightCols(TB));
}

}  // namespace hitnet
