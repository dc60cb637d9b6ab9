#include "experiments/lib/packed_export.hpp"

#include <cmath>
#include <filesystem>
#include <map>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/io/checkpoint.hpp"
#include "core/nn/quantized_tensor.hpp"
#include "core/nn/recurrent_layer.hpp"
#include "core/quant/registry.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/run_directory.hpp"
#include "hitnet/version.hpp"

namespace hitnet {
namespace {

[[noreturn]] void refuse(const std::string& key, const std::string& why) {
  throw UnsupportedScheme(key + ": " + why);
}

void check_weight(const PlacedSpec& p) {
  if (p.spec.method != "fp" && p.spec.method != "ttq")
    refuse(p.key, "method '" + p.spec.method +
                      "' cannot be packed: the packed format holds ternary (ttq) or "
                      "full-precision (fp) weight matrices");
}

// BTQ activations are packed as the trainer's deterministic evaluation rounds them (whatever
// the configured `eval` mode: the trainer reports that evaluation for every such model, as
// test_ppl_by_mode.deterministic), sigmoid outputs with their levels ({0, 1} or {0, 1/2, 1}).
void check_activation(const PlacedSpec& p) {
  if (p.spec.method != "fp" && p.spec.method != "btq")
    refuse(p.key, "method '" + p.spec.method +
                      "' cannot be packed: the packed format holds BTQ (btq) or "
                      "full-precision (fp) activations");
}

bool half_levels(const PlacedSpec& p, const GateSpec& gate) {
  return p.spec.method == "btq" && gate.domain == Domain::kUnit &&
         resolve(p.spec).text("unit_levels") == "ternary";
}

infer::Cell cell_of(const Config& cfg) {
  return cfg.model.cell == "gru" ? infer::Cell::kGru : infer::Cell::kLstm;
}

// The cell's gate table, which the packed format's placements follow name by name.
const GateTable& gates_of(const Config& cfg) {
  const GateTable& gates = find_cell(cfg.model.cell)->gates;
  const auto& placements = infer::placement_names(cell_of(cfg));
  if (gates.size() != placements.size())
    throw std::logic_error("the packed format's placements do not follow the " + cfg.model.cell +
                           " gate table");
  for (std::size_t k = 0; k < gates.size(); ++k)
    if (gates[k].name != placements[k])
      throw std::logic_error("packed placement " + placements[k] + " is gate " + gates[k].name);
  return gates;
}

// A trained tensor by name, as the parameter store holds it (column-major).
class Parameters {
 public:
  explicit Parameters(const ParameterStore& store) : store_(store) {
    for (std::size_t id = 0; id < store.all().size(); ++id) ids_[store.all()[id].name] = int(id);
  }
  ConstMatrixMap operator[](const std::string& name) const {
    auto it = ids_.find(name);
    if (it == ids_.end()) throw std::logic_error("the model has no parameter '" + name + "'");
    return store_.value(it->second);
  }

 private:
  const ParameterStore& store_;
  std::map<std::string, int> ids_;
};

infer::FloatMatrix row_major(ConstMatrixMap m) {
  infer::FloatMatrix f{int(m.rows()), int(m.cols()), {}};
  f.values.resize(std::size_t(m.size()));
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      f.values.data(), m.rows(), m.cols()) = m;
  return f;
}

// Q(W) as the trainer computes it at evaluation: its quantizer over the same groups of W.
Matrix quantized(const QuantSpec& spec, ConstMatrixMap w, int row_blocks = 1,
                 bool diagonal_apart = false) {
  QuantizedTensor q(make_quantizer(spec, Domain::kWeight), row_blocks, diagonal_apart);
  Rng unused(0);  // TTQ draws nothing
  q.apply(w, unused, Pass::evaluate(EvalMode::kDeterministic));
  return q.values();
}

infer::WeightMatrix weight(const PlacedSpec& p, ConstMatrixMap w, int row_blocks,
                           bool diagonal_apart, const std::string& name) {
  if (p.spec.method == "fp") return row_major(w);
  // TTQ: q = α·sign(w) or 0 in each group. The codes are the signs, a group's α the magnitude
  // all its nonzero values share (0 for a group without any).
  const Matrix q = quantized(p.spec, w, row_blocks, diagonal_apart);
  std::vector<int8_t> codes(std::size_t(q.size()));
  for (Eigen::Index r = 0; r < q.rows(); ++r)
    for (Eigen::Index c = 0; c < q.cols(); ++c)
      codes[std::size_t(r * q.cols() + c)] = int8_t((q(r, c) > 0.0f) - (q(r, c) < 0.0f));
  infer::TernaryMatrix t = infer::TernaryMatrix::from_codes(
      codes.data(), int(q.rows()), int(q.cols()), std::vector<float>(std::size_t(row_blocks)),
      std::vector<float>(diagonal_apart ? std::size_t(row_blocks) : 0));
  for (int r = 0; r < t.rows; ++r)
    for (int c = 0; c < t.cols; ++c) {
      const float v = std::abs(q(r, c));
      if (v == 0.0f) continue;
      float& scale = t.scale_at(r, c);
      if (scale == 0.0f) scale = v;
      if (v != scale)
        throw std::logic_error(name + ": the ternary quantizer gave a group two magnitudes, " +
                               std::to_string(scale) + " and " + std::to_string(v));
    }
  return t;
}

std::vector<float> bias(const QuantSpec& spec, ConstMatrixMap b) {
  const Matrix values = spec.method == "fp" ? Matrix(b) : quantized(spec, b);
  return {values.data(), values.data() + values.size()};
}

}  // namespace

void check_packable(const Config& cfg) {
  const QuantConfig& q = cfg.quant;
  if (q.embedding_quant.method != "fp")
    refuse("quant.embedding_quant", "method '" + q.embedding_quant.method +
                                        "' cannot be packed: the packed format keeps the "
                                        "embedding in full precision (fp)");
  if (q.decoder_weight_quant.method != "fp")
    refuse("quant.decoder_weight_quant", "method '" + q.decoder_weight_quant.method +
                                             "' cannot be packed: the packed format keeps the "
                                             "decoder in full precision (fp)");
  if (q.bias_quant.method != "fp" && q.bias_quant.method != "ttq")
    refuse("quant.bias_quant", "method '" + q.bias_quant.method +
                                   "' cannot be packed: biases are stored as fp or ttq values");
  for (int l = 0; l < cfg.model.layers; ++l) {
    check_weight(input_weight_spec(q, l));
    check_weight(recurrent_weight_spec(q, l));
  }
  for (const GateSpec& gate : gates_of(cfg)) check_activation(gate_spec(q, gate));
}

infer::PackedModel pack_model(const Config& cfg, const LanguageModel& model,
                              const std::vector<std::string>& words,
                              std::vector<std::pair<std::string, std::string>> metadata) {
  check_packable(cfg);
  const QuantConfig& q = cfg.quant;
  const ModelShape& shape = model.shape();
  const Parameters params(model.parameters());
  infer::PackedModel m;
  m.cell = cell_of(cfg);
  m.vocab = shape.vocab, m.embedding = shape.embedding, m.hidden = shape.hidden;
  m.tied = shape.tie_weights;
  const GateTable& gates = gates_of(cfg);
  const WeightGroups groups = weight_groups(q, *find_cell(cfg.model.cell));
  for (int l = 0; l < shape.layers; ++l) {
    const std::string name = cfg.model.cell + std::to_string(l);
    infer::PackedLayer layer;
    layer.w_ih = weight(input_weight_spec(q, l), params[name + ".w_ih"], groups.row_blocks, false,
                        name + ".w_ih");
    layer.w_hh = weight(recurrent_weight_spec(q, l), params[name + ".w_hh"], groups.row_blocks,
                        groups.recurrent_diagonal_apart, name + ".w_hh");
    if (m.cell == infer::Cell::kLstm) {
      layer.bias_ih = bias(q.bias_quant, params[name + ".bias"]);
    } else {
      layer.bias_ih = bias(q.bias_quant, params[name + ".b_ih"]);
      layer.bias_hh = bias(q.bias_quant, params[name + ".b_hh"]);
    }
    for (std::size_t k = 0; k < gates.size(); ++k) {
      const PlacedSpec p = gate_spec(q, gates[k]);
      if (p.spec.method == "btq") layer.btq |= 1u << k;
      if (half_levels(p, gates[k])) layer.ternary_unit |= 1u << k;
    }
    layer.sigmoid_slope = float(q.sigmoid_slope.value_or(q.sloping_factor));
    layer.tanh_slope = float(q.tanh_slope.value_or(q.sloping_factor));
    m.layers.push_back(std::move(layer));
  }
  m.embedding_table = row_major(params["embedding.weight"]);
  if (!m.tied) m.decoder_weight = row_major(params["decoder.weight"]);
  const auto decoder_bias = params["decoder.bias"];
  m.decoder_bias.assign(decoder_bias.data(), decoder_bias.data() + decoder_bias.size());
  m.words = words;
  m.metadata = std::move(metadata);
  m.validate();
  return m;
}

infer::PackedModel export_run(const std::string& run_dir) {
  const std::string config_path = run_dir + "/config.yaml";
  if (!std::filesystem::exists(config_path))
    throw std::runtime_error(config_path + ": no such file (is " + run_dir +
                             " a hitnet-run directory?)");
  const Config cfg = load_config(config_path);
  check_packable(cfg);  // before the corpus and the checkpoint are read
  const Corpus corpus = load_corpus(cfg.data, data_root_for(cfg.data.path));
  const auto model = build_model(cfg, corpus.vocab.size());
  const std::string ckpt_path = run_dir + "/checkpoints/best.ckpt";
  const Checkpoint ckpt = Checkpoint::load(ckpt_path);
  auto& values = model->parameters().values();
  try {
    values = ckpt.floats("params", values.size());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(ckpt_path + ": " + e.what());
  }
  std::vector<std::pair<std::string, std::string>> metadata{
      {"config", to_yaml(cfg)},
      {"config_hash", config_hash(cfg)},
      {"source_run", run_dir},
      {"checkpoint", "checkpoints/best.ckpt"},
      {"exported_by", std::string("hitnet-export ") + kVersion + " (" + kGitRevision + ")"}};
  char number[32];
  std::snprintf(number, sizeof number, "%d", int(ckpt.number("epoch")));
  metadata.emplace_back("checkpoint_epoch", number);
  std::snprintf(number, sizeof number, "%.17g", ckpt.number("valid_ppl"));
  metadata.emplace_back("checkpoint_valid_ppl", number);
  return pack_model(cfg, *model, corpus.vocab.words(), std::move(metadata));
}

}  // namespace hitnet
