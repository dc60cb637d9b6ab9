#include "core/nn/lstm.hpp"

namespace hitnet {
namespace {
// Row blocks of the stacked gates, in storage order.
enum Gate { kI = 0, kF = 1, kO = 2, kG = 3 };
const char* const kGateNames[4] = {"i", "f", "o", "g"};
}  // namespace

Lstm::Lstm(ParameterStore& store, int index, int input, int hidden, LayerQuant quant)
    : store_(store),
      name_("lstm" + std::to_string(index)),
      hidden_(hidden),
      w_ih_(store.declare(name_ + ".w_ih", 4 * hidden, input)),
      w_hh_(store.declare(name_ + ".w_hh", 4 * hidden, hidden)),
      b_(store.declare(name_ + ".bias", 4 * hidden, 1)),
      w_ih_q_(std::move(quant.w_ih)),
      w_hh_q_(std::move(quant.w_hh)),
      b_q_(std::move(quant.bias_ih)),
      inv_sigmoid_slope_(1.0f / quant.sigmoid_slope),
      inv_tanh_slope_(1.0f / quant.tanh_slope) {
  for (int g = 0; g < 4; ++g) gate_quant_[g].quantizer = quant.take_gate(kGateNames[g]);
  cell_tanh_quant_.quantizer = quant.take_gate("c");
  cell_quant_.quantizer = quant.take_gate("cell");
  hidden_quant_.quantizer = quant.take_gate("h");
  for (const auto& gq : gate_quant_) quantized_gates_ = quantized_gates_ || gq.active();
}

LayerState Lstm::initial_state(int batch) const {
  return {Matrix::Zero(hidden_, batch), Matrix::Zero(hidden_, batch)};
}

void Lstm::quantize_weights(Rng& rng, const Pass& pass) {
  w_ih_q_.apply(store_.value(w_ih_), rng, pass);
  w_hh_q_.apply(store_.value(w_hh_), rng, pass);
  b_q_.apply(store_.value(b_), rng, pass);
}

void Lstm::forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                   Rng& rng, const Pass& pass) {
  const Eigen::Index H = hidden_, B = batch, TB = Eigen::Index(steps) * batch;
  steps_ = steps, batch_ = batch;

  // Input projection of every step of the window: one GEMM.
  pre_.noalias() = w_ih_q_.values() * x;
  pre_.colwise() += b_q_.values().col(0);

  post_.resize(4 * H, TB);
  if (quantized_gates_) gates_q_.resize(4 * H, TB), gates_mask_.resize(4 * H, TB);
  cells_.resize(H, TB + B), hiddens_.resize(H, TB + B);
  cells_.leftCols(B) = state.c, hiddens_.leftCols(B) = state.h;
  cell_tanh_.resize(H, TB);
  if (cell_quant_.active()) cell_mask_.resize(H, TB);
  if (cell_tanh_quant_.active()) cell_tanh_quantized_.resize(H, TB), cell_tanh_mask_.resize(H, TB);
  if (hidden_quant_.active()) hidden_mask_.resize(H, TB);

  const auto w_hh = w_hh_q_.values();
  for (int t = 0; t < steps; ++t) {
    const Eigen::Index col = t * B;
    auto a = pre_.middleCols(col, B);
    a.noalias() += w_hh * hiddens_.middleCols(col, B);  // the recurrent product

    auto s = post_.middleCols(col, B);
    s.topRows(3 * H) = ((-inv_sigmoid_slope_ * a.topRows(3 * H).array()).exp() + 1.0f).inverse();
    s.bottomRows(H) = (inv_tanh_slope_ * a.bottomRows(H).array()).tanh();
    if (quantized_gates_)
      for (int g = 0; g < 4; ++g)
        quantize_gate(gate_quant_[g], s, gates_q_.middleCols(col, B),
                      gates_mask_.middleCols(col, B), g * H, H, scratch_, rng, pass);
    const auto gates = quantized_gates_ ? gates_q_.middleCols(col, B) : post_.middleCols(col, B);
    const auto i = gates.middleRows(kI * H, H).array(), f = gates.middleRows(kF * H, H).array(),
               o = gates.middleRows(kO * H, H).array(), g = gates.middleRows(kG * H, H).array();

    auto c = cells_.middleCols(col + B, B);
    c = f * cells_.middleCols(col, B).array() + i * g;
    if (cell_quant_.active())
      quantize_rows(cell_quant_, c, c, cell_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);

    auto m = cell_tanh_.middleCols(col, B);
    m = (inv_tanh_slope_ * c.array()).tanh();
    auto h = hiddens_.middleCols(col + B, B);
    if (cell_tanh_quant_.active()) {
      quantize_rows(cell_tanh_quant_, m, cell_tanh_quantized_.middleCols(col, B),
                    cell_tanh_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);
      h = o * cell_tanh_quantized_.middleCols(col, B).array();
    } else {
      h = o * m.array();
    }
    if (hidden_quant_.active())
      quantize_rows(hidden_quant_, h, h, hidden_mask_.middleCols(col, B), 0, H, scratch_, rng,
                    pass);
  }
  state.h = hiddens_.rightCols(B);
  state.c = cells_.rightCols(B);
}

Eigen::Ref<const Matrix> Lstm::output() const {
  return hiddens_.rightCols(Eigen::Index(steps_) * batch_);
}

void Lstm::backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) {
  const Eigen::Index H = hidden_, B = batch_, TB = Eigen::Index(steps_) * batch_;
  const Matrix& gates_all = quantized_gates_ ? gates_q_ : post_;
  const Matrix& m_used = cell_tanh_quant_.active() ? cell_tanh_quantized_ : cell_tanh_;
  const auto w_hh = w_hh_q_.values();

  Matrix d_pre(4 * H, TB);
  Matrix dh_next = Matrix::Zero(H, B), dc_next = Matrix::Zero(H, B);
  Array dh(H, B), dc(H, B), dm(H, B);
  for (int t = steps_ - 1; t >= 0; --t) {
    const Eigen::Index col = t * B;
    dh = d_out.middleCols(col, B).array() + dh_next.array();
    if (hidden_quant_.active()) dh *= hidden_mask_.middleCols(col, B).array();

    const auto gates = gates_all.middleCols(col, B);
    const auto i = gates.middleRows(kI * H, H).array(), f = gates.middleRows(kF * H, H).array(),
               o = gates.middleRows(kO * H, H).array(), g = gates.middleRows(kG * H, H).array();
    const auto m = cell_tanh_.middleCols(col, B).array();
    const auto c_prev = cells_.middleCols(col, B).array();

    // h = o ⊙ Q(m), m = tanh(c/λ): through the output gate into the cell.
    dm = dh * o;
    if (cell_tanh_quant_.active()) dm *= cell_tanh_mask_.middleCols(col, B).array();
    dc = dc_next.array() + dm * (1.0f - m * m) * inv_tanh_slope_;
    if (cell_quant_.active()) dc *= cell_mask_.middleCols(col, B).array();

    // c = f ⊙ c_prev + i ⊙ g: gradients w.r.t. the (quantized) gate values.
    auto d = d_pre.middleCols(col, B);
    d.middleRows(kI * H, H) = (dc * g).matrix();
    d.middleRows(kF * H, H) = (dc * c_prev).matrix();
    d.middleRows(kO * H, H) = (dh * m_used.middleCols(col, B).array()).matrix();
    d.middleRows(kG * H, H) = (dc * i).matrix();
    dc_next = (dc * f).matrix();

    // Through the gate quantizers (STE) and the sloped nonlinearities.
    if (quantized_gates_) d.array() *= gates_mask_.middleCols(col, B).array();
    const auto s = post_.middleCols(col, B).array();
    d.topRows(3 * H).array() *= s.topRows(3 * H) * (1.0f - s.topRows(3 * H)) * inv_sigmoid_slope_;
    d.bottomRows(H).array() *= (1.0f - s.bottomRows(H).square()) * inv_tanh_slope_;

    dh_next.noalias() = w_hh.transpose() * d;
  }

  // Parameter gradients for the whole window: three GEMMs and a row sum.
  w_ih_q_.accumulate_grad(store_.grad(w_ih_), d_pre, x);
  w_hh_q_.accumulate_grad(store_.grad(w_hh_), d_pre, hiddens_.leftCols(TB));
  b_q_.accumulate_grad(store_.grad(b_), d_pre.rowwise().sum());
  d_x.noalias() = w_ih_q_.values().transpose() * d_pre;
}

std::vector<std::pair<int, const QuantizedTensor*>> Lstm::weights() const {
  return {{w_ih_, &w_ih_q_}, {w_hh_, &w_hh_q_}};
}

void Lstm::report_activations(ActivationTap& tap) const {
  const Eigen::Index H = hidden_, TB = Eigen::Index(steps_) * batch_;
  for (int g = 0; g < 4; ++g) {
    const std::string tensor = name_ + "." + kGateNames[g];
    tap.record(tensor, "pre", pre_.middleRows(g * H, H));
    tap.record(tensor, "post", post_.middleRows(g * H, H));
    if (gate_quant_[g].active()) tap.record(tensor, "quantized", gates_q_.middleRows(g * H, H));
  }
  tap.record(name_ + ".c", "pre", cells_.rightCols(TB));
  tap.record(name_ + ".c", "post", cell_tanh_);
  if (cell_tanh_quant_.active()) tap.record(name_ + ".c", "quantized", cell_tanh_quantized_);
  tap.record(name_ + ".h", "post", hiddens_.rightCols(TB));
}

}  // namespace hitnet
