// Config loading: defaults, overrides, every error class (with file:line and key), QuantSpec
// shorthand, `defaults` composition, the to_yaml round trip and the config hash.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include "core/quant/registry.hpp"

#include "core/config/load.hpp"
#include "core/util/did_you_mean.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

// The message of the ConfigError that parsing `yaml` (as "test.yaml") with `overrides` throws.
std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(yaml, "test.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// A fresh folder of config files for composition tests.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("hitnet_config_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("an empty config is the struct's defaults", "[config]") {
  const Config cfg = parse_config("", "empty.yaml");
  CHECK(cfg == Config{});
  CHECK(cfg.model.hidden == 300);
  CHECK(cfg.quant.weight_quant.method == "fp");
  CHECK_FALSE(cfg.quant.input_weight_quant.has_value());
  CHECK(cfg.quant.gates.empty());
}

TEST_CASE("file values and overrides land in their fields", "[config]") {
  const std::string yaml =
      "name: x\nmodel: {cell: gru, hidden: 64}\ntrain:\n  lr: 0.5\n  schedule: {type: decay}\n";
  const Config cfg = parse_config(
      yaml, "test.yaml",
      {"model.hidden=128", "train.epochs=2", "log.histograms.epochs=[1,5]", "seed=7",
       "quant.weight_quant.method=ttq", "quant.weight_quant.threshold=0.5", "data={bptt: 20}"});
  CHECK(cfg.name == "x");
  CHECK(cfg.model.cell == "gru");
  CHECK(cfg.model.hidden == 128);  // the override wins over the file
  CHECK(cfg.model.layers == 1);    // untouched keys keep their defaults
  CHECK(cfg.train.lr == 0.5);
  CHECK(cfg.train.epochs == 2);
  CHECK(cfg.train.schedule.type == "decay");
  CHECK(cfg.log.histograms.epochs == std::vector<int>{1, 5});
  CHECK(cfg.seed == 7);
  CHECK(cfg.quant.weight_quant.method == "ttq");
  CHECK(resolve(cfg.quant.weight_quant).number("threshold") == 0.5);
  CHECK(cfg.data.bptt == 20);
  CHECK(cfg.data.batch_size == 20);
}

TEST_CASE("a QuantSpec may be a bare method name", "[config]") {
  const Config cfg = parse_config(
      "quant:\n  weight_quant: ttq\n  sigmoid_quant: {method: btq, eval: sample}\n"
      "  gates: {f: fp, o: {method: uniform, bits: 3}}\n  input_weight_quant: binary\n",
      "test.yaml", {"quant.tanh_quant=btq", "quant.sigmoid_slope=0.5"});
  QuantSpec ttq;
  ttq.method = "ttq";
  CHECK(cfg.quant.weight_quant == ttq);
  CHECK(cfg.quant.sigmoid_quant.method == "btq");
  CHECK(resolve(cfg.quant.sigmoid_quant).text("eval") == "sample");
  CHECK(cfg.quant.tanh_quant.method == "btq");
  REQUIRE(cfg.quant.gates.size() == 2);
  CHECK(cfg.quant.gates.at("f").method == "fp");
  CHECK(resolve(cfg.quant.gates.at("o")).integer("bits") == 3);
  REQUIRE(cfg.quant.input_weight_quant.has_value());
  CHECK(cfg.quant.input_weight_quant->method == "binary");
  CHECK_FALSE(cfg.quant.recurrent_weight_quant.has_value());
  CHECK(cfg.quant.sigmoid_slope == 0.5);
  CHECK_FALSE(cfg.quant.tanh_slope.has_value());
  // null unsets an optional quantizer again
  const Config unset = parse_config("quant: {input_weight_quant: ttq}\n", "test.yaml",
                                    {"quant.input_weight_quant=null"});
  CHECK_FALSE(unset.quant.input_weight_quant.has_value());
}

TEST_CASE("unknown keys name file, line and key, and suggest the right one", "[config]") {
  const std::string msg = error_of("name: bad\nmodel:\n  hiden: 3\n");
  CHECK(msg == "test.yaml:3: model.hiden: unknown key (did you mean 'model.hidden'?)");
  CHECK_THAT(error_of("hidden: 3\n"), Catch::Contains("test.yaml:1: hidden: unknown key") &&
                                          Catch::Contains("did you mean 'model.hidden'"));
  CHECK_THAT(error_of("quant:\n  weight_quant:\n    method: ttq\n    bitz: 3\n"),
             Catch::Contains("test.yaml:4: quant.weight_quant.bitz: unknown key") &&
                 Catch::Contains("'quant.weight_quant.bits'"));
  CHECK_THAT(error_of("model: {zzzzzz: 1}\n"),
             Catch::Contains("model.zzzzzz: unknown key") && !Catch::Contains("did you mean"));
  CHECK(error_of("", {"model.hiden=3"}) ==
        "override 'model.hiden=3': model.hiden: unknown key (did you mean 'model.hidden'?)");
  CHECK_THAT(error_of("", {"model.hidden"}), Catch::Contains("expected key=value"));
  CHECK_THAT(error_of("model: {hidden: 3}\nmodel: {layers: 2}\n"),
             Catch::Contains("test.yaml:2: model: duplicate key (first at test.yaml:1)"));
}

TEST_CASE("wrong YAML types name file, line and key", "[config]") {
  CHECK(error_of("model:\n  layers: 2\n  hidden: abc\n") ==
        "test.yaml:3: model.hidden: expected an integer, found 'abc'");
  CHECK_THAT(error_of("model:\n  hidden: {a: 1}\n"),
             Catch::Contains("test.yaml:2: model.hidden: expected an integer, found a map"));
  CHECK_THAT(error_of("train: {lr: fast}\n"),
             Catch::Contains("train.lr: expected a number, found 'fast'"));
  CHECK_THAT(error_of("model: 3\n"), Catch::Contains("test.yaml:1: model: expected a map"));
  CHECK_THAT(error_of("model: {tie_weights: maybe}\n"), Catch::Contains("true or false"));
  CHECK_THAT(
      error_of("log: {histograms: {epochs: [1, x]}}\n"),
      Catch::Contains("log.histograms.epochs: expected an integer, found 'x' at position 2"));
  CHECK_THAT(error_of("seed: -1\n"), Catch::Contains("seed: expected an integer >= 0"));
  CHECK_THAT(error_of("quant: {weight_quant: [ttq]}\n"),
             Catch::Contains("quant.weight_quant: expected a quantizer"));
  CHECK_THAT(error_of("", {"model.hidden=abc"}),
             Catch::Contains("override 'model.hidden=abc': model.hidden: expected an integer"));
  CHECK_THAT(error_of("model: [1,\n"), Catch::Contains("test.yaml:2: invalid YAML"));
  CHECK_THAT(error_of("train: {lr: .nan}\n"), Catch::Contains("expected a finite number"));
  // `key=` is YAML's null, not an empty string: the message says how to write one.
  CHECK_THAT(
      error_of("", {"init.sha256="}),
      Catch::Contains("init.sha256: expected a string, found nothing (an empty string is '')"));
  CHECK(error_of("", {"init.sha256=''"}) == "(no error)");
}

TEST_CASE("out-of-range values and bad choices are errors at the line that set them", "[config]") {
  CHECK(error_of("train:\n  lr: -1\n") == "test.yaml:2: train.lr: must be > 0, got -1.0");
  CHECK(error_of("", {"train.lr=0"}) == "override 'train.lr=0': train.lr: must be > 0, got 0.0");
  CHECK_THAT(error_of("model: {dropout: 1}\n"),
             Catch::Contains("model.dropout: must be in [0, 1)"));
  CHECK_THAT(error_of("model: {layers: 0}\n"),
             Catch::Contains("model.layers: must be >= 1, got 0"));
  CHECK_THAT(error_of("model: {cell: lsmt}\n"),
             Catch::Contains("test.yaml:1: model.cell: must be one of lstm, gru; got 'lsmt' "
                             "(did you mean 'lstm'?)"));
  CHECK_THAT(error_of("train: {schedule: {plateau_factor: 0}}\n"),
             Catch::Contains("train.schedule.plateau_factor: must be in (0, 1]"));
  CHECK_THAT(error_of("log: {histograms: {bins: 1, epochs: [0]}}\n"),
             Catch::Contains("log.histograms.bins: must be >= 2") &&
                 Catch::Contains("log.histograms.epochs: each must be >= 1, got 0"));
  CHECK_THAT(error_of("model: {hidden: 200}\n", {"model.tie_weights=true"}),
             Catch::Contains("override 'model.tie_weights=true': model.tie_weights: needs "
                             "model.embedding == model.hidden, got 300 and 200"));
  CHECK_THAT(error_of("data: {corpus: files}\n"),
             Catch::Contains("data.corpus: corpus files needs"));
  CHECK_THAT(error_of("quant: {gates: {r: btq}}\n"),
             Catch::Contains("test.yaml:1: quant.gates.r: model.cell lstm has no gate 'r'"));
  CHECK_THAT(error_of("model: {cell: gru}\nquant: {cell_state_quant: ttq}\n"),
             Catch::Contains("test.yaml:2: quant.cell_state_quant: model.cell gru has no cell "
                             "state: leave it fp"));
  CHECK(error_of("model: {cell: gru}\nquant: {cell_state_quant: fp}\n") == "(no error)");
  CHECK_THAT(error_of("name: a/b\n"), Catch::Contains("name: must be a non-empty name"));
}

TEST_CASE("bad quantizer settings are config errors naming the key", "[config]") {
  CHECK_THAT(error_of("quant:\n  weight_quant: tqt\n"),
             Catch::Contains("test.yaml:2: quant.weight_quant.method: unknown 'tqt'") &&
                 Catch::Contains("did you mean 'ttq'"));
  CHECK_THAT(error_of("quant:\n  sigmoid_quant:\n    method: uniform\n    bits: 0\n"),
             Catch::Contains("test.yaml:4: quant.sigmoid_quant.bits: must be in [1, 16]"));
  CHECK_THAT(error_of("", {"quant.weight_quant={method: ttq, bits: 3}"}),
             Catch::Contains("quant.weight_quant.bits: ttq has no option 'bits' (its options: "
                             "threshold, scale, clip_grad)"));
  CHECK_THAT(error_of("", {"quant.weight_quant={method: ttq, threshold: 0}"}),
             Catch::Contains("quant.weight_quant.threshold: must be > 0"));
  CHECK_THAT(
      error_of("quant: {gates: {i: {method: btq, eval: stochastic}}}\n"),
      Catch::Contains("quant.gates.i.eval: must be one of deterministic, sample, expectation"));
  CHECK_THAT(error_of("quant: {sloping_factor: 0}\n"),
             Catch::Contains("quant.sloping_factor: must be > 0, got 0.0"));
  CHECK_THAT(error_of("", {"quant.tanh_slope=-0.5"}),
             Catch::Contains("quant.tanh_slope: must be > 0, got -0.5"));
}

TEST_CASE("defaults: composes files, own keys on top, cycles are errors", "[config]") {
  TempDir dir;
  fs::create_directories(dir.path / "base");
  dir.write("base/model.yaml", "model: {hidden: 64, layers: 2}\ntrain: {lr: 3}\n");
  dir.write("base/train.yaml", "train: {lr: 5, epochs: 4}\n");
  const std::string top =
      dir.write("top.yaml", "defaults: [base/model.yaml, base/train]\nmodel: {hidden: 32}\n");
  const Config cfg = load_config(top, {"train.epochs=6"});
  CHECK(cfg.model.hidden == 32);  // own key over the defaults
  CHECK(cfg.model.layers == 2);   // from the first default
  CHECK(cfg.train.lr == 5);       // the later default over the earlier
  CHECK(cfg.train.epochs == 6);   // the override over everything

  dir.write("a.yaml", "defaults: b.yaml\n");
  dir.write("b.yaml", "model: {hidden: 8}\ndefaults: [a.yaml]\n");
  CHECK_THROWS_WITH(
      load_config((dir.path / "a.yaml").string()),
      Catch::Contains("defaults: 'a.yaml' makes a cycle: a.yaml -> b.yaml -> a.yaml"));

  dir.write("bad_inner.yaml", "model:\n  hidden: x\n");
  dir.write("outer.yaml", "defaults: [bad_inner]\n");
  CHECK_THROWS_WITH(load_config((dir.path / "outer.yaml").string()),
                    Catch::Contains("bad_inner.yaml:2: model.hidden: expected an integer"));
  dir.write("missing.yaml", "defaults: [nowhere.yaml]\n");
  CHECK_THROWS_WITH(load_config((dir.path / "missing.yaml").string()),
                    Catch::Contains("missing.yaml:1: defaults: cannot read config file"));
  CHECK_THROWS_WITH(load_config((dir.path / "none.yaml").string()),
                    Catch::Contains("none.yaml: cannot read config file"));
}

TEST_CASE("to_yaml writes every key and reads back to the same config", "[config]") {
  Config cfg;
  cfg.name = "round trip";
  cfg.seed = 18446744073709551615ull;
  cfg.model.cell = "gru";
  cfg.model.dropout = 0.1;
  cfg.train.lr = 1e-8;
  cfg.train.adam_eps = 0.3;
  cfg.data.train_file = "";
  cfg.quant.weight_quant = quant_spec("ttq", {{"threshold", 0.7000000000000001}});
  cfg.quant.recurrent_weight_quant = quant_spec("binary");
  cfg.quant.gates["z"].method = "btq";
  cfg.quant.tanh_slope = 0.25;
  cfg.log.histograms.epochs = {};
  const std::string yaml = to_yaml(cfg);
  CHECK(parse_config(yaml, "dumped.yaml") == cfg);
  CHECK_THAT(yaml, Catch::Contains("hidden: 300") && Catch::Contains("lr: 1.0e-08") &&
                       Catch::Contains("dropout: 0.1\n") && Catch::Contains("sigmoid_slope: ~") &&
                       Catch::Contains("recurrent_weight_quant: {method: binary"));
  CHECK(parse_config(to_yaml(Config{}), "defaults.yaml") == Config{});
  // Every key of the listing appears in the dump.
  const std::string keys = describe_keys();
  for (const char* key :
       {"model.hidden =", "quant.gates.n =", "train.schedule.min_lr =", "log.histograms.batches =",
        "Methods and their options", "    threshold = 0.7"})
    CHECK_THAT(keys, Catch::Contains(key));
}

TEST_CASE("config_hash: stable, changes with results-relevant keys only", "[config]") {
  const Config base = parse_config("name: a\n", "a.yaml");
  const std::string h = config_hash(base);
  CHECK(h.size() == 12);
  CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(config_hash(parse_config(to_yaml(base), "b.yaml")) == h);
  CHECK(config_hash(parse_config("name: b\n", "b.yaml", {"log.interval_s=3"})) == h);
  CHECK(config_hash(parse_config("name: a\n", "a.yaml", {"train.lr=19"})) != h);
  CHECK(config_hash(parse_config("name: a\n", "a.yaml", {"quant.gates.i=ttq"})) != h);
}

TEST_CASE("did_you_mean finds near misses only", "[config]") {
  const std::vector<std::string> keys = {"model.hidden", "model.layers", "train.lr"};
  CHECK(edit_distance("tqt", "ttq") == 1);
  CHECK(did_you_mean("model.hiden", keys) == "model.hidden");
  CHECK(did_you_mean("layers", keys) == "model.layers");
  CHECK(did_you_mean("optimizer", keys) == "");
}

TEST_CASE("the shipped configs load", "[config]") {
  for (const auto& entry : fs::directory_iterator(fs::path(HITNET_SOURCE_DIR) / "configs"))
    if (entry.path().extension() == ".yaml") {
      INFO(entry.path());
      CHECK_NOTHROW(load_config(entry.path().string()));
    }
}
