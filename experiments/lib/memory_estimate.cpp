#include "experiments/lib/memory_estimate.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/config/load.hpp"
#include "core/util/threads.hpp"

namespace hitnet {

namespace {

constexpr double kFloat = sizeof(float);

bool quantized(const QuantSpec& spec) {
  return spec.method != "fp";
}

// Whether layer l's input (w_ih) or recurrent (w_hh) weights are quantized, with the same
// precedence as build_model(): quant.layerN, then input/recurrent_weight_quant, weight_quant.
bool layer_weight_quantized(const QuantConfig& q, int l, bool recurrent) {
  const auto& general = recurrent ? q.recurrent_weight_quant : q.input_weight_quant;
  QuantSpec spec = general.value_or(q.weight_quant);
  if (l < QuantConfig::kLayerSlots) {
    const auto& own = q.layer[static_cast<std::size_t>(l)];
    spec = (recurrent ? own.recurrent_weight_quant : own.input_weight_quant).value_or(spec);
  }
  return quantized(spec);
}

}  // namespace

MemoryEstimate estimate_run_memory(const Config& cfg, int vocab, double corpus_tokens) {
  const auto& m = cfg.model;
  const double V = vocab, E = m.embedding, H = m.hidden;
  const double gates = m.cell == "lstm" ? 4 : 3;
  const double biases_per_layer = m.cell == "lstm" ? 4 * H : 2 * 3 * H;  // GRU: b_ih and b_hh
  const double steps = cfg.data.bptt;
  const double batch = std::max(cfg.data.batch_size, cfg.data.eval_batch_size);
  const double columns = steps * batch;

  MemoryEstimate e;
  double quantized_floats = 0, activation_floats = E * columns;  // the embedding's output
  e.parameters = V * E + (m.tie_weights ? 0 : V * H) + V;        // embedding, decoder, its bias
  for (int l = 0; l < m.layers; ++l) {
    const double input = l == 0 ? E : H;
    e.parameters += gates * H * input + gates * H * H + biases_per_layer;
    // A quantized matrix keeps Q(W) and its STE mask beside W.
    if (layer_weight_quantized(cfg.quant, l, false)) quantized_floats += 2 * gates * H * input;
    if (layer_weight_quantized(cfg.quant, l, true)) quantized_floats += 2 * gates * H * H;
    // Per step: pre-activations, gate outputs, their quantized values and masks, cell and
    // hidden states, tanh of the cell and masks, the layer's input after dropout, and the
    // backward pass' gate gradients: about 6 gate-sized and 8 state-sized blocks.
    activation_floats += (6 * gates * H + 8 * H + input) * columns;
  }
  if (quantized(cfg.quant.decoder_weight_quant)) quantized_floats += 2 * V * H;

  const double optimizer_floats = cfg.train.optimizer == "adam" ? 2 * e.parameters : 0;
  e.weights = e.parameters * kFloat;
  // Data parallelism (core/nn/data_parallel.hpp): a gradient and quantized copies per slice.
  const double slices =
      std::max(1, std::min(resolve_thread_count(cfg.threads), cfg.data.batch_size));
  e.gradients = slices * e.parameters * kFloat;
  e.optimizer = optimizer_floats * kFloat;
  e.quantized = slices * quantized_floats * kFloat;
  // Records copied out of the model plus the serialized file (both held while writing).
  e.checkpoint = 2 * (e.parameters + optimizer_floats) * kFloat;
  e.activations = activation_floats * kFloat;
  e.logits = 2 * V * columns * kFloat;  // logits, softmax gradient in place, plus a copy
  e.corpus = 2 * corpus_tokens * sizeof(int32_t);
  return e;
}

std::optional<double> available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, unit;
    double value = 0;
    if (fields >> key >> value >> unit && key == "MemAvailable:" && unit == "kB")
      return value * 1024;
  }
  return std::nullopt;
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  int u = 0;
  while (bytes >= 1000 && u < 8) bytes /= 1000, ++u;
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void check_memory_fits(const Config& cfg, int vocab, double corpus_tokens, double available) {
  const MemoryEstimate e = estimate_run_memory(cfg, vocab, corpus_tokens);
  if (e.total() <= available) return;
  const auto& m = cfg.model;
  throw ConfigError("model " + m.cell + " " + std::to_string(m.layers) + "x" +
                    std::to_string(m.hidden) + ", embedding " + std::to_string(m.embedding) +
                    ", vocab " + std::to_string(vocab) + ", batch " +
                    std::to_string(cfg.data.batch_size) + "x" + std::to_string(cfg.data.bptt) +
                    ": the run needs about " + format_bytes(e.total()) + " of memory (" +
                    format_bytes(e.weights) + " of parameters), " + format_bytes(available) +
                    " available; make model.hidden, model.embedding or data.batch_size smaller");
}

}  // namespace hitnet
