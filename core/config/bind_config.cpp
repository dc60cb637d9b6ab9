// The one list of config keys: each bound to its field with its allowed values and doc.
// Defaults are the struct initialisers in config.hpp. Keys of a section stay together.
#include <algorithm>
#include <set>

#include "core/config/schema.hpp"
#include "core/nn/recurrent_layer.hpp"
#include "core/util/sha256.hpp"

namespace hitnet {
namespace {

const Range kProbability = {.min = 0, .max = 1, .max_open = true};  // [0, 1)
const Range kFactor = {.min = 0, .max = 1, .min_open = true};       // (0, 1]

// "LSTM input gate i (sigmoid), overrides quant.sigmoid_quant"
std::string gate_doc(const GateSpec& g) {
  const bool sigmoid = g.group == GateGroup::kSigmoid;
  return g.doc + (sigmoid ? " (sigmoid), overrides quant.sigmoid_quant"
                          : " (tanh), overrides quant.tanh_quant");
}

}  // namespace

void bind_config(Schema& s, Config& c) {
  s.bind("name", c.name, {}, "run name: names the results directory (with the config hash)");
  s.rule("name", [&c] {
    const bool ok = !c.name.empty() && c.name.find_first_of("/\\") == std::string::npos;
    return ok ? "" : "must be a non-empty name without '/', got '" + c.name + "'";
  });
  s.bind("seed", c.seed, "seed of every random generator of the run (init, dropout, quantizers)");
  s.bind("threads", c.threads, at_least(0), "OpenMP threads inside the run, 0 = all cores");

  DataConfig& d = c.data;
  s.bind("data.corpus", d.corpus, {"ptb", "ptb_char", "wikitext2", "text8", "files", "synthetic"},
         "which corpus to load");
  s.bind("data.path", d.path, {},
         "folder with the corpus files (relative: to the current directory, else the source tree)");
  s.bind("data.train_file", d.train_file, {},
         "corpus=files: training file in data.path (text8: its file)");
  s.bind("data.valid_file", d.valid_file, {}, "corpus=files: validation file in data.path");
  s.bind("data.test_file", d.test_file, {}, "corpus=files: test file in data.path");
  s.rule("data.corpus", [&d] {
    if (d.corpus != "files" ||
        (!d.train_file.empty() && !d.valid_file.empty() && !d.test_file.empty()))
      return std::string();
    return std::string("corpus files needs data.train_file, data.valid_file and data.test_file");
  });
  s.bind("data.verify_checksum", d.verify_checksum, "check shipped corpora against SHA256SUMS");
  s.bind("data.bptt", d.bptt, at_least(1), "truncated-BPTT window length (time steps)");
  s.bind("data.batch_size", d.batch_size, at_least(1), "training streams per batch");
  s.bind("data.eval_batch_size", d.eval_batch_size, at_least(1), "streams per batch at evaluation");
  s.bind("data.synthetic_vocab", d.synthetic_vocab, at_least(2),
         "corpus=synthetic: vocabulary size");
  s.bind("data.synthetic_tokens", d.synthetic_tokens, at_least(2),
         "corpus=synthetic: training tokens");

  ModelConfig& m = c.model;
  Choices cell_choices;
  for (const CellInfo* cell : cells()) cell_choices.push_back(cell->name);
  s.bind("model.cell", m.cell, cell_choices, "recurrent cell");
  s.bind("model.layers", m.layers, at_least(1), "stacked recurrent layers");
  s.bind("model.hidden", m.hidden, at_least(1), "hidden units per layer");
  s.bind("model.embedding", m.embedding, at_least(1), "embedding size");
  s.bind("model.dropout", m.dropout, kProbability, "dropout on non-recurrent connections");
  s.bind("model.tie_weights", m.tie_weights, "decoder reuses the embedding matrix");
  s.rule("model.tie_weights", [&m] {
    if (!m.tie_weights || m.embedding == m.hidden) return std::string();
    return "needs model.embedding == model.hidden, got " + std::to_string(m.embedding) + " and " +
           std::to_string(m.hidden);
  });
  s.bind("model.init_range", m.init_range, greater_than(0), "weights start uniform in (-r, r)");

  QuantConfig& q = c.quant;
  s.bind("quant.weight_quant", q.weight_quant, "input-to-hidden and hidden-to-hidden weights");
  s.bind("quant.input_weight_quant", q.input_weight_quant,
         "input-to-hidden weights only (overrides quant.weight_quant)");
  s.bind("quant.recurrent_weight_quant", q.recurrent_weight_quant,
         "hidden-to-hidden weights only (overrides quant.weight_quant)");
  s.bind("quant.weight_granularity", q.weight_granularity, {"tensor", "gate"},
         "one threshold and scale per stacked recurrent weight matrix (tensor) or per gate's block "
         "of it (gate)");
  s.bind("quant.recurrent_diagonal", q.recurrent_diagonal, {"shared", "apart"},
         "W_hh's diagonal (a unit's weight on its own last output) quantized with the rest "
         "(shared) or as a group of its own, with its own threshold and scale (apart)");
  for (int l = 0; l < QuantConfig::kLayerSlots; ++l) {
    const std::string prefix = "quant.layer" + std::to_string(l) + ".";
    auto& lw = q.layer[static_cast<std::size_t>(l)];
    s.bind(
        prefix + "input_weight_quant", lw.input_weight_quant,
        "input-to-hidden weights of layer " + std::to_string(l) + " (overrides the general keys)");
    s.bind(
        prefix + "recurrent_weight_quant", lw.recurrent_weight_quant,
        "hidden-to-hidden weights of layer " + std::to_string(l) + " (overrides the general keys)");
    s.rule(prefix + "input_weight_quant", [&lw, &m, l] {
      if (l < m.layers || (!lw.input_weight_quant && !lw.recurrent_weight_quant))
        return std::string();
      return "model.layers is " + std::to_string(m.layers) + ": there is no layer " +
             std::to_string(l);
    });
  }
  s.bind("quant.bias_quant", q.bias_quant, "biases");
  s.bind("quant.sigmoid_quant", q.sigmoid_quant, "every sigmoid gate output (LSTM i f o, GRU r z)");
  s.bind("quant.tanh_quant", q.tanh_quant, "every tanh output (LSTM g and tanh(c), GRU n)");
  s.bind("quant.cell_state_quant", q.cell_state_quant, "LSTM cell state c_t");
  s.rule("quant.cell_state_quant", [&q, &m] {  // not ignored by a cell that has none
    const CellInfo* own = find_cell(m.cell);
    if (q.cell_state_quant.method == "fp" || !own || own->has_cell_state) return std::string();
    return "model.cell " + m.cell + " has no cell state: leave it fp";
  });
  s.bind("quant.hidden_quant", q.hidden_quant, "hidden state h_t, the layer output");
  // quant.gates.<name>: every cell's sigmoid and tanh outputs, from the cells' gate tables.
  std::set<std::string> bound;  // a name two cells share is one key
  for (const CellInfo* cell : cells())
    for (const GateSpec& g : cell->gates) {
      if (!g.has_gate_key() || !bound.insert(g.name).second) continue;
      const std::string key = "quant.gates." + g.name;
      s.bind(key, q.gates, g.name, gate_doc(g));
      s.rule(key, [&q, &m, name = g.name] {
        const CellInfo* own = find_cell(m.cell);
        if (!q.gates.count(name) || !own) return std::string();
        std::string names;
        bool has = false;
        for (const GateSpec& gate : own->gates)
          if (gate.has_gate_key()) names += " " + gate.name, has = has || gate.name == name;
        if (has) return std::string();
        return "model.cell " + m.cell + " has no gate '" + name + "' (its gates:" + names + ")";
      });
    }
  s.bind("quant.embedding_quant", q.embedding_quant, "embedding output");
  s.bind("quant.decoder_weight_quant", q.decoder_weight_quant, "decoder (softmax) weights");
  s.bind("quant.sloping_factor", q.sloping_factor, greater_than(0),
         "λ of every sigmoid and tanh: σ(x/λ), tanh(x/λ)");
  s.bind("quant.sigmoid_slope", q.sigmoid_slope, greater_than(0),
         "λ of the sigmoids (overrides quant.sloping_factor)");
  s.bind("quant.tanh_slope", q.tanh_slope, greater_than(0),
         "λ of the tanhs (overrides quant.sloping_factor)");
  s.bind("quant.eval_samples", q.eval_samples, at_least(1),
         "evaluation passes when a quantizer samples at evaluation (eval: sample)");

  s.bind("init.from", c.init.from, {},
         "warm start: a finished run whose checkpoints/best.ckpt gives the initial parameters "
         "(same model shape and vocabulary), or a sweep directory holding one run of this "
         "model's shape; '' = random in model.init_range");

  s.bind("init.sha256", c.init.sha256, {},
         "the SHA-256 init.from's best checkpoint must have ('' = any): the points of a study "
         "then all start from the same model, or stop with an error, however the source moves");
  s.rule("init.sha256", [&c] {
    const std::string& h = c.init.sha256;
    if (h.empty()) return std::string();
    if (c.init.from.empty()) return std::string("pins init.from's checkpoint: set init.from too");
    return is_sha256_hex(h) ? std::string() : "must be 64 lowercase hex digits, got '" + h + "'";
  });

  TrainConfig& t = c.train;
  s.bind("train.optimizer", t.optimizer, {"sgd", "adam"}, "optimizer");
  s.bind("train.lr", t.lr, greater_than(0), "initial learning rate");
  s.bind("train.clip", t.clip, at_least(0), "global gradient-norm clip, 0 = off");
  s.bind("train.loss_reduction", t.loss_reduction, {"token_mean", "batch_mean"},
         "token_mean: mean over all tokens; batch_mean: sum over time, mean over batch (Zaremba)");
  s.bind("train.weight_decay", t.weight_decay, at_least(0), "L2 weight decay");
  s.bind("train.adam_beta1", t.adam_beta1, kProbability, "adam: first-moment decay");
  s.bind("train.adam_beta2", t.adam_beta2, kProbability, "adam: second-moment decay");
  s.bind("train.adam_eps", t.adam_eps, greater_than(0), "adam: denominator epsilon");
  s.bind("train.epochs", t.epochs, at_least(0),
         "training epochs; 0 = no training: init.from's model, quantized as configured, is "
         "validated and tested (post-training quantization)");
  s.rule("train.epochs", [&c] {
    if (c.train.epochs > 0 || !c.init.from.empty()) return std::string();
    return std::string(
        "0 evaluates the initial model without training: set init.from to the run "
        "whose model to evaluate (a random model has nothing to measure)");
  });
  s.bind("train.max_batches", t.max_batches, at_least(0),
         "batches per epoch, 0 = all (smoke tests)");
  s.bind("train.max_eval_batches", t.max_eval_batches, at_least(0),
         "windows per evaluation, 0 = all");
  ScheduleConfig& sc = t.schedule;
  s.bind("train.schedule.type", sc.type, {"fixed", "decay", "plateau"},
         "fixed lr; decay from an epoch on; or divide when valid ppl stalls");
  s.bind("train.schedule.decay_start", sc.decay_start, at_least(1),
         "decay: first epoch whose lr is multiplied by decay_factor");
  s.bind("train.schedule.decay_factor", sc.decay_factor, kFactor, "decay: lr factor per epoch");
  s.bind("train.schedule.plateau_factor", sc.plateau_factor, kFactor,
         "plateau: lr factor when valid ppl does not improve");
  s.bind("train.schedule.min_lr", sc.min_lr, at_least(0), "stop decaying below this lr");
  s.bind("train.checkpoint_every", t.checkpoint_every, at_least(0),
         "also checkpoint every k batches, 0 = at epoch ends only");

  LogConfig& l = c.log;
  s.bind("log.interval_s", l.interval_s, greater_than(0),
         "seconds between progress lines when not on a terminal");
  HistogramConfig& h = l.histograms;
  s.bind("log.histograms.epochs", h.epochs, at_least(1), "epochs (1-based) to dump histograms of");
  s.bind("log.histograms.every", h.every, at_least(0), "also every k epochs, 0 = off");
  s.bind("log.histograms.last", h.last, "also the last epoch");
  s.bind("log.histograms.bins", h.bins, at_least(2), "histogram bins");
  s.bind("log.histograms.batches", h.batches, at_least(1),
         "batches gathered for activation histograms");
}

}  // namespace hitnet
