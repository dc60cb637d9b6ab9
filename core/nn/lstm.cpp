#include "core/nn/lstm.hpp"

#include "core/nn/activations.hpp"
#include "core/nn/affine.hpp"

namespace hitnet {
namespace {
// The gate table's order: the stacked blocks first (their row block is their index), then the
// cell's other activations.
enum Gate { kI = 0, kF = 1, kO = 2, kG = 3, kC = 4, kCellState = 5, kH = 6 };

std::unique_ptr<RecurrentLayer> make_lstm(ParameterStore& store, int index, int input, int hidden,
                                          LayerQuant quant) {
  return std::make_unique<Lstm>(store, index, input, hidden, std::move(quant));
}
}  // namespace

const CellInfo Lstm::kCell = {
    "lstm",
    {{"i", GateGroup::kSigmoid, Domain::kUnit, kI, "LSTM input gate i"},
     {"f", GateGroup::kSigmoid, Domain::kUnit, kF, "LSTM forget gate f"},
     {"o", GateGroup::kSigmoid, Domain::kUnit, kO, "LSTM output gate o"},
     {"g", GateGroup::kTanh, Domain::kSigned, kG, "LSTM candidate g"},
     {"c", GateGroup::kTanh, Domain::kSigned, -1, "LSTM tanh(c_t)"},
     {"cell", GateGroup::kCellState, Domain::kWeight, -1, "LSTM cell state c_t (unbounded)"},
     {"h", GateGroup::kHidden, Domain::kSigned, -1, "LSTM output h_t = o ⊙ tanh(c_t)"}},
    4,
    /*recurrent_bias=*/false,
    /*has_cell_state=*/true,
    make_lstm};

Lstm::Lstm(ParameterStore& store, int index, int input, int hidden, LayerQuant quant)
    : RecurrentLayer(kCell, store, index, input, hidden, std::move(quant)) {
  for (int g : {kI, kF, kO, kG}) quantized_gates_ = quantized_gates_ || gate_quant_[g].active();
}

void Lstm::forward(const Eigen::Ref<const Matrix>& x, int steps, int batch, LayerState& state,
                   Rng& rng, const Pass& pass) {
  const Eigen::Index H = hidden_, B = batch, TB = Eigen::Index(steps) * batch;
  steps_ = steps, batch_ = batch;
  const GateQuant &cell_quant = gate_quant_[kCellState], &cell_tanh_quant = gate_quant_[kC],
                  &hidden_quant = gate_quant_[kH];

  // Input projection of every step of the window: one GEMM.
  affine(w_ih_.values(), x, b_ih_.values().col(0), pre_);

  post_.resize(4 * H, TB);
  if (quantized_gates_) gates_q_.resize(4 * H, TB), gates_mask_.resize(4 * H, TB);
  cells_.resize(H, TB + B), hiddens_.resize(H, TB + B);
  cells_.leftCols(B) = state.c, hiddens_.leftCols(B) = state.h;
  cell_tanh_.resize(H, TB);
  if (cell_quant.active()) cell_mask_.resize(H, TB);
  if (cell_tanh_quant.active()) cell_tanh_quantized_.resize(H, TB), cell_tanh_mask_.resize(H, TB);
  if (hidden_quant.active()) hidden_mask_.resize(H, TB);

  const auto w_hh = w_hh_.values();
  for (int t = 0; t < steps; ++t) {
    const Eigen::Index col = t * B;
    auto a = pre_.middleCols(col, B);
    a.noalias() += w_hh * hiddens_.middleCols(col, B);  // the recurrent product

    auto s = post_.middleCols(col, B);
    sloped_sigmoid(a.topRows(3 * H), inv_sigmoid_slope_, s.topRows(3 * H));
    sloped_tanh(a.bottomRows(H), inv_tanh_slope_, s.bottomRows(H));
    if (quantized_gates_)
      for (int g : {kI, kF, kO, kG})
        quantize_gate(gate_quant_[g], s, gates_q_.middleCols(col, B),
                      gates_mask_.middleCols(col, B), g * H, H, scratch_, rng, pass);
    const auto gates = quantized_gates_ ? gates_q_.middleCols(col, B) : post_.middleCols(col, B);
    const auto i = gates.middleRows(kI * H, H).array(), f = gates.middleRows(kF * H, H).array(),
               o = gates.middleRows(kO * H, H).array(), g = gates.middleRows(kG * H, H).array();

    auto c = cells_.middleCols(col + B, B);
    c = f * cells_.middleCols(col, B).array() + i * g;
    if (cell_quant.active())
      quantize_rows(cell_quant, c, c, cell_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);

    auto m = cell_tanh_.middleCols(col, B);
    sloped_tanh(c, inv_tanh_slope_, m);
    auto h = hiddens_.middleCols(col + B, B);
    if (cell_tanh_quant.active()) {
      quantize_rows(cell_tanh_quant, m, cell_tanh_quantized_.middleCols(col, B),
                    cell_tanh_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);
      h = o * cell_tanh_quantized_.middleCols(col, B).array();
    } else {
      h = o * m.array();
    }
    if (hidden_quant.active())
      quantize_rows(hidden_quant, h, h, hidden_mask_.middleCols(col, B), 0, H, scratch_, rng, pass);
  }
  state.h = hiddens_.rightCols(B);
  state.c = cells_.rightCols(B);
}

void Lstm::backward(const Eigen::Ref<const Matrix>& x, const Matrix& d_out, Matrix& d_x) {
  const Eigen::Index H = hidden_, B = batch_, TB = Eigen::Index(steps_) * batch_;
  const bool cell_quantized = gate_quant_[kCellState].active(),
             cell_tanh_quantized = gate_quant_[kC].active(),
             hidden_quantized = gate_quant_[kH].active();
  const Matrix& gates_all = quantized_gates_ ? gates_q_ : post_;
  const Matrix& m_used = cell_tanh_quantized ? cell_tanh_quantized_ : cell_tanh_;
  const auto w_hh = w_hh_.values();

  Matrix d_pre(4 * H, TB);
  Matrix dh_next = Matrix::Zero(H, B), dc_next = Matrix::Zero(H, B);
  Array dh(H, B), dc(H, B), dm(H, B);
  for (int t = steps_ - 1; t >= 0; --t) {
    const Eigen::Index col = t * B;
    dh = d_out.middleCols(col, B).array() + dh_next.array();
    if (hidden_quantized) dh *= hidden_mask_.middleCols(col, B).array();

    const auto gates = gates_all.middleCols(col, B);
    const auto i = gates.middleRows(kI * H, H).array(), f = gates.middleRows(kF * H, H).array(),
               o = gates.middleRows(kO * H, H).array(), g = gates.middleRows(kG * H, H).array();
    const auto m = cell_tanh_.middleCols(col, B).array();
    const auto c_prev = cells_.middleCols(col, B).array();

    // h = o ⊙ Q(m), m = tanh(c/λ): through the output gate into the cell.
    dm = dh * o;
    if (cell_tanh_quantized) dm *= cell_tanh_mask_.middleCols(col, B).array();
    dc = dc_next.array() + dm * (1.0f - m * m) * inv_tanh_slope_;
    if (cell_quantized) dc *= cell_mask_.middleCols(col, B).array();

    // c = f ⊙ c_prev + i ⊙ g: gradients w.r.t. the (quantized) gate values.
    auto d = d_pre.middleCols(col, B);
    d.middleRows(kI * H, H) = (dc * g).matrix();
    d.middleRows(kF * H, H) = (dc * c_prev).matrix();
    d.middleRows(kO * H, H) = (dh * m_used.middleCols(col, B).array()).matrix();
    d.middleRows(kG * H, H) = (dc * i).matrix();
    dc_next = (dc * f).matrix();

    // Through the gate quantizers (STE) and the sloped nonlinearities.
    if (quantized_gates_) d.array() *= gates_mask_.middleCols(col, B).array();
    const auto s = post_.middleCols(col, B);
    times_sloped_sigmoid_grad(d.topRows(3 * H), s.topRows(3 * H), inv_sigmoid_slope_);
    times_sloped_tanh_grad(d.bottomRows(H), s.bottomRows(H), inv_tanh_slope_);

    dh_next.noalias() = w_hh.transpose() * d;
  }
  finish_backward(x, d_pre, d_pre, d_x);
}

RecurrentLayer::GateValues Lstm::values_of(int gate) const {
  const Eigen::Index H = hidden_, TB = Eigen::Index(steps_) * batch_;
  switch (gate) {
    case kI:
    case kF:
    case kO:
    case kG:
      return {{&pre_, gate * H, 0}, {&post_, gate * H, 0}, {&gates_q_, gate * H, 0}, H, TB};
    case kC:  // pre: the cell state c_t; post: tanh(c_t / λ)
      return {{&cells_, 0, batch_}, {&cell_tanh_, 0, 0}, {&cell_tanh_quantized_, 0, 0}, H, TB};
    case kH:
      return {{}, {&hiddens_, 0, batch_}, {}, H, TB};
    default:  // the cell state is reported as the pre-activation of c
      return {};
  }
}

}  // namespace hitnet
