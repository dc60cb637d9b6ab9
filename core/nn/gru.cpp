#include "core/nn/gru.hpp"

#include "core/nn/activations.hpp"
#include "core/nn/affine.hpp"

namespace hitnet {
namespace {
// The gate table's order: the stacked blocks r z n (their row block is their index), then h.
enum Gate { kR = 0, kZ = 1, kN = 2, kH = 3 };

std::unique_ptr<RecurrentLayer> make_gru(ParameterStore& store, int index, int input, int hidden,
                                         LayerQuant quant) {
  return std::make_unique<Gru>(store, index, input, hidden, std::move(quant));
}
}  // namespace

const CellInfo Gru::kCell = {"gru",
                             {{"r", GateGroup::kSigmoid, Domain::kUnit, kR, "GRU reset gate r"},
                              {"z", GateGroup::kSigmoid, Domain::kUnit, kZ, "GRU update gate z"},
                              {"n", GateGroup::kTanh, Domain::kSigned, kN, "GRU candidate n"},
                              {"h", GateGroup::kHidden, Domain::kSigned, -1, "GRU output h_t"}},
                             3,
                             /*recurrent_bias=*/true,
                             /*has_cell_state=*/false,
                             make_gru};

Gru::Gru(ParameterStore& store, int index, int input, int hidden, LayerQuant quant)
    : RecurrentLayer(kCell, store, index, input, hidden, std::move(quant)) {
  for (int g : {kR, kZ, kN}) quantized_gates_ = quantized_gates_ || gate_quant_[g].active();
}

void Gru::forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                  Rng& rng, const Pass& pass) {
  const Eigen::Index H = hidden_, B = batch, TB = Eigen::Index(steps) * batch;
  steps_ = steps, batch_ = batch;
  const GateQuant& hidden_quant = gate_quant_[kH];

  // Input projection of every step of the window: one GEMM.
  affine(w_ih_.values(), x, b_ih_.values().col(0), pre_);

  post_.resize(3 * H, TB);
  recurrent_n_.resize(H, TB);
  if (quantized_gates_) gates_q_.resize(3 * H, TB), gates_mask_.resize(3 * H, TB);
  hiddens_.resize(H, TB + B);
  hiddens_.leftCols(B) = state.h;
  if (hidden_quant.active()) hidden_mask_.resize(H, TB);

  const auto w_hh = w_hh_.values();
  const auto b_hh = b_hh_->values().col(0);
  for (int t = 0; t < steps; ++t) {
    const Eigen::Index col = t * B;
    recurrent_.noalias() = w_hh * hiddens_.middleCols(col, B);  // the recurrent product
    recurrent_.colwise() += b_hh;

    auto a = pre_.middleCols(col, B);
    auto s = post_.middleCols(col, B);
    auto gates = quantized_gates_ ? gates_q_.middleCols(col, B) : post_.middleCols(col, B);
    // r and z first: n needs the (quantized) reset gate.
    a.topRows(2 * H) += recurrent_.topRows(2 * H);
    sloped_sigmoid(a.topRows(2 * H), inv_sigmoid_slope_, s.topRows(2 * H));
    if (quantized_gates_)
      for (int g : {kR, kZ})
        quantize_gate(gate_quant_[g], s, gates, gates_mask_.middleCols(col, B), g * H, H, scratch_,
                      rng, pass);
    recurrent_n_.middleCols(col, B) = recurrent_.bottomRows(H);
    a.bottomRows(H).array() +=
        gates.middleRows(kR * H, H).array() * recurrent_.bottomRows(H).array();
    sloped_tanh(a.bottomRows(H), inv_tanh_slope_, s.bottomRows(H));
    if (quantized_gates_)
      quantize_gate(gate_quant_[kN], s, gates, gates_mask_.middleCols(col, B), kN * H, H, scratch_,
                    rng, pass);

    const auto z = gates.middleRows(kZ * H, H).array(), n = gates.middleRows(kN * H, H).array();
    auto h = hiddens_.middleCols(col + B, B);
    h = (1.0f - z) * n + z * hiddens_.middleCols(col, B).array();
    if (hidden_quant.active())
      quantize_rows(hidden_quant, h, h, hidden_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);
  }
  state.h = hiddens_.rightCols(B);
}

void Gru::backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) {
  const Eigen::Index H = hidden_, B = batch_, TB = Eigen::Index(steps_) * batch_;
  const bool hidden_quantized = gate_quant_[kH].active();
  const Matrix& gates_all = quantized_gates_ ? gates_q_ : post_;
  const auto w_hh = w_hh_.values();

  Matrix d_gx(3 * H, TB), d_gh(3 * H, TB);  // dL/d(gx), dL/d(gh) for every step
  Matrix dh_next = Matrix::Zero(H, B);
  Array dh(H, B);
  for (int t = steps_ - 1; t >= 0; --t) {
    const Eigen::Index col = t * B;
    dh = d_out.middleCols(col, B).array() + dh_next.array();
    if (hidden_quantized) dh *= hidden_mask_.middleCols(col, B).array();

    const auto gates = gates_all.middleCols(col, B);
    const auto r = gates.middleRows(kR * H, H).array(), z = gates.middleRows(kZ * H, H).array(),
               n = gates.middleRows(kN * H, H).array();
    const auto h_prev = hiddens_.middleCols(col, B).array();
    const auto s = post_.middleCols(col, B);

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
    times_sloped_tanh_grad(dx.middleRows(kN * H, H), s.middleRows(kN * H, H), inv_tanh_slope_);
    times_sloped_sigmoid_grad(dx.middleRows(kZ * H, H), s.middleRows(kZ * H, H),
                              inv_sigmoid_slope_);
    // a_n = gx_n + r ⊙ gh_n: into the reset gate, then through its quantizer and σ.
    dx.middleRows(kR * H, H) =
        (dx.middleRows(kN * H, H).array() * recurrent_n_.middleCols(col, B).array()).matrix();
    if (quantized_gates_)
      dx.middleRows(kR * H, H).array() *=
          gates_mask_.middleCols(col, B).middleRows(kR * H, H).array();
    times_sloped_sigmoid_grad(dx.middleRows(kR * H, H), s.middleRows(kR * H, H),
                              inv_sigmoid_slope_);

    auto dr = d_gh.middleCols(col, B);
    dr.topRows(2 * H) = dx.topRows(2 * H);
    dr.bottomRows(H) = (dx.bottomRows(H).array() * r).matrix();
    dh_next.noalias() = w_hh.transpose() * dr;
    dh_next.array() += dh * z;
  }
  finish_backward(x, d_gx, d_gh, d_x);
}

RecurrentLayer::GateValues Gru::values_of(int gate) const {
  const Eigen::Index H = hidden_, TB = Eigen::Index(steps_) * batch_;
  if (gate == kH) return {{}, {&hiddens_, 0, batch_}, {}, H, TB};
  return {{&pre_, gate * H, 0}, {&post_, gate * H, 0}, {&gates_q_, gate * H, 0}, H, TB};
}

}  // namespace hitnet
