// hitnet-export and hitnet-eval in process: a tiny HitNet model trained a few batches, exported
// to the packed format (through its bytes, as a file), evaluated by the inference library with
// the trainer's protocol, gives the trainer's deterministic-evaluation perplexity of the same
// checkpoint, with every kernel variant and with the float32 path, also with a scale per gate
// block (quant.weight_granularity gate) and W_hh's diagonal apart (quant.recurrent_diagonal
// apart); the exported codes and scales are the trainer's Q(W) exactly, group by group; schemes
// the format cannot run are refused by config key.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/infer/packed_format.hpp"
#include "core/io/checkpoint.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/packed_eval.hpp"
#include "experiments/lib/packed_export.hpp"
#include "experiments/lib/run_directory.hpp"
#include "experiments/lib/trainer.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

// configs/tiny_synthetic.yaml as HitNet (TTQ weights, BTQ gates, λ = 0.5), one short epoch.
Config tiny_hitnet(std::vector<std::string> overrides) {
  std::vector<std::string> all{"quant.weight_quant=ttq",
                               "quant.sigmoid_quant={method: btq, eval: expectation}",
                               "quant.tanh_quant={method: btq, eval: expectation}",
                               "quant.sloping_factor=0.5",
                               "train.epochs=1",
                               "train.max_batches=30"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", all);
}

std::string trained_run(const std::string& name, const Config& cfg) {
  const std::string dir = std::string(HITNET_BINARY_DIR) + "/test-runs/packed_" + name;
  fs::remove_all(dir);
  prepare_run_dir(dir, cfg, false);
  TrainerOptions opt;
  opt.run_dir = dir;
  REQUIRE(train(cfg, opt).status == RunStatus::kFinished);
  return dir;
}

// The trainer's evaluation (Run::evaluate) of the best checkpoint with every stochastic
// quantizer forced to its deterministic mode.
double trainer_deterministic_ppl(const Config& cfg, const std::string& dir,
                                 const std::vector<int32_t>& tokens, int vocab) {
  auto model = build_model(cfg, vocab);
  auto& params = model->parameters().values();
  params = Checkpoint::load(dir + "/checkpoints/best.ckpt").floats("params", params.size());
  const BatchedSplit split(tokens, cfg.data.eval_batch_size, cfg.data.bptt);
  ModelState state = model->initial_state(split.batch());
  Rng rng(1);
  double nll = 0, count = 0;
  for (int k = 0; k < split.num_windows(); ++k) {
    const Window w = split.window(k);
    nll += model->evaluate(w, state, rng, Pass::evaluate(EvalMode::kDeterministic));
    count += double(w.len) * w.batch;
  }
  return std::exp(nll / count);
}

struct Case {
  std::string name;
  std::vector<std::string> overrides;
};

}  // namespace

TEST_CASE("export -> eval equals the trainer's deterministic evaluation", "[infer][export]") {
  const std::vector<Case> cases{
      {"lstm_hitnet", {}},
      {"gru_hitnet", {"model.cell=gru"}},
      {"lstm_2layers_tied_h_btq",
       {"model.layers=2", "model.tie_weights=true", "quant.tanh_quant=fp",
        "quant.hidden_quant={method: btq, eval: deterministic}"}},
      {"lstm_fp_input_weights_float_state",
       {"quant.input_weight_quant=fp", "quant.sigmoid_quant=fp", "quant.tanh_quant=fp",
        "quant.sloping_factor=1"}},
      {"gru_z_n_ttq_bias",
       {"model.cell=gru", "quant.sigmoid_quant=fp", "quant.tanh_quant=fp",
        "quant.gates.z={method: btq, eval: deterministic}",
        "quant.gates.n={method: btq, eval: deterministic}", "quant.bias_quant=ttq",
        "quant.layer0.recurrent_weight_quant={method: ttq, threshold: 0.5}",
        "quant.sigmoid_slope=0.7"}},
      {"lstm_sampled_eval_deterministic_training",
       {"quant.sigmoid_quant={method: btq, eval: sample, train: deterministic}"}},
      {"lstm_cell_state_btq",
       {"quant.cell_state_quant={method: btq, eval: deterministic}",
        "quant.sigmoid_quant={method: btq, eval: deterministic}",
        "quant.tanh_quant={method: btq, eval: deterministic}"}},
      // Gates {0, 1/2, 1} (the search's placement): h is ternary only through its own BTQ, and
      // layer 1 then multiplies ternary inputs; without it h has halves and W_hh h runs on floats.
      {"lstm_2layers_half_gates_h_btq",
       {"model.layers=2", "quant.sigmoid_quant={method: btq, unit_levels: ternary}",
        "quant.hidden_quant={method: btq, eval: deterministic}"}},
      {"lstm_half_output_gate", {"quant.gates.o={method: btq, unit_levels: ternary}"}},
      {"gru_half_gates",
       {"model.cell=gru", "quant.sigmoid_quant={method: btq, unit_levels: ternary}"}},
      // Scale groups: per gate block, W_hh's diagonal apart (one group across the gates, or one
      // per gate), on ternary states (popcounts) and float ones (the ternary x float kernel).
      {"lstm_per_gate", {"quant.weight_granularity=gate"}},
      {"gru_diagonal_apart", {"model.cell=gru", "quant.recurrent_diagonal=apart"}},
      {"lstm_2layers_per_gate_diagonal_apart_float_state",
       {"model.layers=2", "quant.weight_granularity=gate", "quant.recurrent_diagonal=apart",
        "quant.sigmoid_quant=fp", "quant.tanh_quant=fp", "quant.sloping_factor=1"}},
      {"gru_half_gates_per_gate_diagonal_apart",
       {"model.cell=gru", "quant.weight_granularity=gate", "quant.recurrent_diagonal=apart",
        "quant.sigmoid_quant={method: btq, unit_levels: ternary}"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Config cfg = tiny_hitnet(c.overrides);
    const std::string dir = trained_run(c.name, cfg);
    const Corpus corpus = load_corpus(cfg.data, HITNET_SOURCE_DIR);
    const double want = trainer_deterministic_ppl(cfg, dir, corpus.test, corpus.vocab.size());

    const infer::PackedModel model =
        infer::parse_packed(infer::serialize_packed(export_run(dir)), dir + "/model.hnt");
    CHECK(model.words == corpus.vocab.words());
    CHECK(model.metadata_value("config_hash") == config_hash(cfg));
    const BatchedSplit split(to_model_ids(corpus.test, corpus.vocab, model.words),
                             cfg.data.eval_batch_size, cfg.data.bptt);
    std::vector<std::pair<infer::Engine, infer::Isa>> paths{
        {infer::Engine::kFloat32Gemm, infer::Isa::kPortable}};
    for (infer::Isa isa : infer::supported_isas()) paths.emplace_back(infer::Engine::kTernary, isa);
    for (const auto& [engine, isa] : paths) {
      INFO((engine == infer::Engine::kFloat32Gemm ? "float32" : infer::isa_name(isa)));
      const PackedEvaluation e = evaluate_packed(model, split, 0, engine, isa);
      CHECK(e.tokens == double(split.tokens_per_epoch()));
      CHECK(e.perplexity() == Approx(want).epsilon(1e-6));
      CHECK(e.perplexity() < 0.7 * cfg.data.synthetic_vocab);  // a trained model, not noise
    }
    if (c.name == "lstm_cell_state_btq") {
      // Every quantizer deterministic already: the trainer's own reports are deterministic ones,
      // the valid perplexity of the best epoch included (the same parameters).
      const BatchedSplit valid(to_model_ids(corpus.valid, corpus.vocab, model.words),
                               cfg.data.eval_batch_size, cfg.data.bptt);
      const double valid_ppl = evaluate_packed(model, valid, 0).perplexity();
      const double best_valid = std::stod(model.metadata_value("checkpoint_valid_ppl"));
      CHECK(valid_ppl == Approx(best_valid).epsilon(1e-6));
    }
  }
}

TEST_CASE("exported codes and scales are the trainer's quantized weights", "[infer][export]") {
  for (const std::string cell : {"lstm", "gru"})
    for (const std::string granularity : {"tensor", "gate"})
      for (const std::string diagonal : {"shared", "apart"}) {
        INFO(cell << ", weight_granularity " << granularity << ", recurrent_diagonal " << diagonal);
        const Config cfg = tiny_hitnet(
            {"model.cell=" + cell, "model.layers=2",
             "quant.layer1.input_weight_quant={method: ttq, threshold: 0.3}",
             "quant.weight_granularity=" + granularity, "quant.recurrent_diagonal=" + diagonal});
        auto model = build_model(cfg, 50);
        Rng rng(3);
        model->init_uniform(0.1f, rng);
        std::vector<std::string> words;
        for (int k = 0; k < 50; ++k) words.push_back("w" + std::to_string(k));
        const infer::PackedModel packed = pack_model(cfg, *model, words);
        // One deterministic evaluation makes the model compute Q(W) as the trainer does.
        std::vector<int32_t> ids(20, 1);
        ModelState state = model->initial_state(2);
        model->evaluate({10, 2, ids.data(), ids.data()}, state, rng,
                        Pass::evaluate(EvalMode::kDeterministic));
        int compared = 0;
        for (const auto& view : model->weights()) {
          if (!view.quantized->active()) continue;
          const int layer = view.name[cell.size()] - '0';
          const bool input = view.name.ends_with("w_ih");
          const auto& layer_weights = packed.layers[std::size_t(layer)];
          const auto& t =
              std::get<infer::TernaryMatrix>(input ? layer_weights.w_ih : layer_weights.w_hh);
          const auto q = view.quantized->values();
          REQUIRE(q.rows() == t.rows);
          REQUIRE(q.cols() == t.cols);
          // The trainer's groups: a scale per row block (per gate with granularity gate), and per
          // block's diagonal in W_hh where it is apart.
          CHECK(int(t.scales.size()) == view.quantized->row_blocks());
          CHECK(t.scales.size() == (granularity == "gate" ? std::size_t(packed.gates()) : 1));
          CHECK(t.diagonal_apart() == view.quantized->diagonal_apart());
          CHECK(t.diagonal_apart() == (!input && diagonal == "apart"));
          for (int r = 0; r < t.rows; ++r)
            for (int c = 0; c < t.cols; ++c) REQUIRE(q(r, c) == t.weight(r, c));
          for (const float scale : t.scales) CHECK(scale > 0.0f);
          for (const float scale : t.diagonal_scales) CHECK(scale > 0.0f);
          ++compared;
        }
        CHECK(compared == 4);
      }
}

TEST_CASE("schemes the packed format cannot run are refused by config key", "[infer][export]") {
  const std::vector<std::pair<std::string, std::string>> refused{
      {"quant.weight_quant=uniform", "quant.weight_quant: method 'uniform' cannot be packed"},
      {"quant.layer0.recurrent_weight_quant=pow2", "quant.layer0.recurrent_weight_quant: method"},
      {"quant.input_weight_quant=binary", "quant.input_weight_quant: method 'binary'"},
      {"quant.embedding_quant=ttq", "quant.embedding_quant: method 'ttq' cannot be packed"},
      {"quant.decoder_weight_quant=ttq", "quant.decoder_weight_quant: method 'ttq'"},
      {"quant.bias_quant=uniform", "quant.bias_quant: method 'uniform'"},
      {"quant.gates.o=uniform", "quant.gates.o: method 'uniform'"},
      {"quant.hidden_quant=ttq", "quant.hidden_quant: method 'ttq'"},
  };
  for (const auto& [override_, message] : refused) {
    INFO(override_);
    CHECK_THROWS_WITH(check_packable(tiny_hitnet({override_})), Catch::Contains(message));
  }
  // The packed model is the deterministic one whatever the configured evaluation mode; sigmoid
  // outputs with either unit_levels are packed (and the option is ignored elsewhere).
  CHECK_NOTHROW(check_packable(
      tiny_hitnet({"quant.sigmoid_quant={method: btq, eval: sample, train: deterministic}"})));
  CHECK_NOTHROW(
      check_packable(tiny_hitnet({"quant.tanh_quant={method: btq, unit_levels: ternary}"})));
  CHECK_NOTHROW(
      check_packable(tiny_hitnet({"quant.sigmoid_quant={method: btq, unit_levels: ternary}"})));
  // Weight groups with scales of their own are packed (format version 3).
  CHECK_NOTHROW(check_packable(tiny_hitnet({"quant.weight_granularity=gate"})));
  CHECK_NOTHROW(check_packable(tiny_hitnet({"model.cell=gru", "quant.recurrent_diagonal=apart"})));
  // A GRU has no cell state: the config refuses a quantizer for it rather than ignore it.
  CHECK_THROWS_WITH(tiny_hitnet({"model.cell=gru", "quant.cell_state_quant=uniform"}),
                    Catch::Contains("model.cell gru has no cell state"));
  CHECK_THROWS_WITH(export_run(std::string(HITNET_BINARY_DIR) + "/test-runs/no_such_run"),
                    Catch::Contains("no_such_run/config.yaml: no such file"));
}

TEST_CASE("corpus words map to the model's vocabulary", "[infer][export]") {
  Vocab corpus;
  for (const char* w : {"a", "b", "c"}) corpus.add(w);
  const std::vector<int32_t> tokens{0, 1, 2, 1};
  CHECK(to_model_ids(tokens, corpus, {"c", "b", "a"}) == std::vector<int32_t>{2, 1, 0, 1});
  CHECK(to_model_ids(tokens, corpus, {"<unk>", "a", "b"}) == std::vector<int32_t>{1, 2, 0, 2});
  CHECK_THROWS_WITH(to_model_ids(tokens, corpus, {"a", "b"}),
                    Catch::Contains("the word 'c' (token 2 of the split) is not in the model's"));
}
