#include "core/nn/language_model.hpp"

#include <stdexcept>

namespace hitnet {

LanguageModel::LanguageModel(const ModelShape& shape, ModelQuant quant)
    : shape_(shape),
      embedding_(params_, shape.vocab, shape.embedding),
      embedding_quant_(std::move(quant.embedding_output)),
      decoder_(params_, shape.vocab, shape.hidden, shape.tie_weights ? embedding_.table() : -1,
               std::move(quant.decoder_weight)) {
  if (shape.tie_weights && shape.embedding != shape.hidden)
    throw std::invalid_argument("tied weights need embedding size == hidden size");
  const CellInfo* cell = find_cell(shape.cell);
  if (!cell) throw std::invalid_argument("unknown cell '" + shape.cell + "'");
  quant.layers.resize(static_cast<std::size_t>(shape.layers));
  auto note = [this](const QuantizerPtr& q) {
    if (q && q->eval_mode()) eval_modes_.insert(*q->eval_mode());
  };
  note(embedding_quant_.quantizer()), note(decoder_.quantized_weight().quantizer());
  for (const auto& lq : quant.layers) {
    for (const auto* q : {&lq.w_ih, &lq.w_hh, &lq.b_ih, &lq.b_hh}) note(*q);
    for (const auto& [gate, q] : lq.gates) note(q);
  }
  for (int l = 0; l < shape.layers; ++l) {
    const int input = l == 0 ? shape.embedding : shape.hidden;
    auto& lq = quant.layers[static_cast<std::size_t>(l)];
    layers_.push_back(cell->make(params_, l, input, shape.hidden, std::move(lq)));
  }
  for (int l = 0; l <= shape.layers; ++l) dropouts_.emplace_back(shape.dropout);
  inputs_.resize(static_cast<std::size_t>(shape.layers) + 1);
  params_.allocate();
}

void LanguageModel::init_uniform(float range, Rng& rng) {
  std::uniform_real_distribution<float> u(-range, range);
  for (Eigen::Index k = 0; k < params_.values().size(); ++k) params_.values()[k] = u(rng);
}

ModelState LanguageModel::initial_state(int batch) const {
  ModelState state;
  for (const auto& layer : layers_) state.push_back(layer->initial_state(batch));
  return state;
}

namespace {
void lap(PhaseClock* clock, Phase phase) {
  if (clock) clock->lap(phase);
}
}  // namespace

void LanguageModel::forward(const Window& w, ModelState& state, Rng& rng, const Pass& pass,
                            PhaseClock* clock) {
  const int n = w.len * w.batch;
  embedding_.forward(w.inputs, n, embedded_);
  embedding_quant_.apply(ConstMatrixMap(embedded_.data(), embedded_.rows(), embedded_.cols()), rng,
                         pass);
  inputs_[0] = embedding_quant_.values();
  dropouts_[0].forward(inputs_[0], rng, pass);
  lap(clock, Phase::kEmbedding);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->quantize_weights(rng, pass);
    layers_[l]->forward(inputs_[l], w.len, w.batch, state[l], rng, pass);
    inputs_[l + 1] = layers_[l]->output();
    dropouts_[l + 1].forward(inputs_[l + 1], rng, pass);
  }
  lap(clock, Phase::kRecurrentForward);
  decoder_.quantize_weights(rng, pass);
  decoder_.forward(inputs_.back(), logits_);
  lap(clock, Phase::kDecoderForward);
}

double LanguageModel::forward_backward(const Window& w, ModelState& state, Rng& rng,
                                       float grad_scale, PhaseClock* clock) {
  forward(w, state, rng, Pass::train(), clock);
  const double loss = softmax_cross_entropy(logits_, w.targets, grad_scale);
  lap(clock, Phase::kSoftmaxLoss);

  decoder_.backward(inputs_.back(), logits_, grad_);
  lap(clock, Phase::kDecoderBackward);
  for (std::size_t l = layers_.size(); l-- > 0;) {
    dropouts_[l + 1].backward(grad_);
    layers_[l]->backward(inputs_[l], grad_, grad_in_);
    std::swap(grad_, grad_in_);
  }
  dropouts_[0].backward(grad_);
  embedding_quant_.backward(MatrixMap(grad_.data(), grad_.rows(), grad_.cols()));
  lap(clock, Phase::kRecurrentBackward);
  embedding_.backward(w.inputs, w.len * w.batch, grad_);
  lap(clock, Phase::kEmbeddingBackward);
  return loss;
}

double LanguageModel::evaluate(const Window& w, ModelState& state, Rng& rng, const Pass& pass) {
  forward(w, state, rng, pass, nullptr);
  return softmax_cross_entropy(logits_, w.targets, 0.0f);
}

std::vector<LanguageModel::WeightView> LanguageModel::weights() const {
  std::vector<WeightView> views;
  for (const auto& layer : layers_)
    for (const auto& [id, q] : layer->weights())
      views.push_back({params_.info(id).name, params_.value(id), q});
  views.push_back({params_.info(decoder_.weight()).name, params_.value(decoder_.weight()),
                   &decoder_.quantized_weight()});
  return views;
}

void LanguageModel::report_activations(ActivationTap& tap) const {
  tap.record("embedding", "post", embedded_);
  if (embedding_quant_.active()) tap.record("embedding", "quantized", embedding_quant_.values());
  for (const auto& layer : layers_) layer->report_activations(tap);
}

double LanguageModel::train_flops_per_token() const {
  // Each weight matrix is used in three GEMMs per token (forward, input gradient, weight
  // gradient), 2 FLOPs per multiply-add. Element-wise work is left out.
  const double gates = find_cell(shape_.cell)->blocks;
  double macs = 0.0;
  for (int l = 0; l < shape_.layers; ++l) {
    const double input = l == 0 ? shape_.embedding : shape_.hidden;
    macs += gates * shape_.hidden * (input + shape_.hidden);
  }
  macs += double(shape_.vocab) * shape_.hidden;
  return 3.0 * 2.0 * macs;
}

}  // namespace hitnet
