// The memory estimate that refuses a model too large for the machine: its parameter count is
// exactly what build_model() allocates, its parts grow as they should, and a model of 10^8
// hidden units is refused with the figure rather than attempted.
#include <catch2/catch.hpp>

#include "core/config/load.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/memory_estimate.hpp"

using namespace hitnet;

namespace {

Config tiny(const std::vector<std::string>& overrides) {
  return load_config(std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", overrides);
}

}  // namespace

TEST_CASE("the estimate counts exactly the parameters build_model allocates", "[memory]") {
  const int vocab = 57;
  for (const auto& overrides : std::vector<std::vector<std::string>>{
           {},
           {"model.cell=gru"},
           {"model.layers=3", "model.hidden=24", "model.embedding=16"},
           {"model.cell=gru", "model.layers=2", "model.hidden=20", "model.embedding=12"},
           {"model.tie_weights=true", "model.hidden=32", "model.embedding=32"},
           {"quant.weight_quant=ttq", "quant.decoder_weight_quant=ttq", "train.optimizer=sgd"},
       }) {
    const Config cfg = tiny(overrides);
    INFO(cfg.model.cell << " " << cfg.model.layers << "x" << cfg.model.hidden);
    const auto model = build_model(cfg, vocab);
    const MemoryEstimate e = estimate_run_memory(cfg, vocab, 1000);
    CHECK(e.parameters == double(model->parameters().values().size()));
    CHECK(e.weights == 4 * e.parameters);
    CHECK(e.gradients == e.weights);
    CHECK(e.optimizer == (cfg.train.optimizer == "adam" ? 2 * e.weights : 0.0));
    CHECK(e.total() > e.weights + e.gradients + e.optimizer);
  }
}

TEST_CASE("the estimate's parts follow the config", "[memory]") {
  const MemoryEstimate fp = estimate_run_memory(tiny({}), 50, 1000);
  const MemoryEstimate ternary = estimate_run_memory(
      tiny({"quant.weight_quant=ttq", "quant.decoder_weight_quant=ttq"}), 50, 1000);
  CHECK(fp.quantized == 0);
  CHECK(ternary.quantized > 0);
  const MemoryEstimate bigger_batch = estimate_run_memory(tiny({"data.batch_size=40"}), 50, 1000);
  CHECK(bigger_batch.activations > fp.activations);
  CHECK(bigger_batch.logits > fp.logits);
  CHECK(estimate_run_memory(tiny({}), 50, 2000).corpus == 2 * fp.corpus);
}

TEST_CASE("a model far too large for the machine is refused with the figure", "[memory]") {
  const Config huge = tiny({"model.hidden=100000000"});
  const MemoryEstimate e = estimate_run_memory(huge, 50, 20000);
  CHECK(e.total() > 1e16);  // 4 x 10^8 x 10^8 recurrent weights alone
  CHECK_THROWS_AS(check_memory_fits(huge, 50, 20000, 24e9), ConfigError);
  CHECK_THROWS_WITH(check_memory_fits(huge, 50, 20000, 24e9),
                    Catch::Contains("lstm 1x100000000") && Catch::Contains("needs about") &&
                        Catch::Contains("EB") && Catch::Contains("24.0 GB available"));
  CHECK_NOTHROW(check_memory_fits(tiny({}), 50, 20000, 24e9));
}

TEST_CASE("bytes are shown in decimal units", "[memory]") {
  CHECK(format_bytes(512) == "512 bytes");
  CHECK(format_bytes(22.8e9) == "22.8 GB");
  CHECK(format_bytes(1.2e12) == "1.2 TB");
  const auto available = available_memory_bytes();
  REQUIRE(available.has_value());  // Linux: /proc/meminfo
  CHECK(*available > 0);
}
