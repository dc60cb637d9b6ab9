// hitnet-export: a run's best model as a packed file (docs/packed-format.md) that the inference
// library (core/infer) runs: ternary weight matrices at 2 bits per weight plus their scale,
// full-precision parts as they are.
//   hitnet-export RUN_DIR [-o model.hnt]
// Exit status: 0 written, 1 failure (missing run, checkpoint or corpus), 2 bad command line or a
// scheme the packed format cannot run (the message names the config key).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "core/config/load.hpp"
#include "core/data/error.hpp"
#include "core/infer/packed_format.hpp"
#include "core/io/atomic_file.hpp"
#include "core/util/cpu_support.hpp"
#include "experiments/lib/command_line.hpp"
#include "experiments/lib/packed_export.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;

namespace {

// "fp32", or "ternary" with its scales when it has more than one (per gate, a diagonal apart).
std::string kind(const infer::WeightMatrix& w) {
  const auto* t = std::get_if<infer::TernaryMatrix>(&w);
  if (!t) return "fp32";
  std::string k = "ternary";
  if (t->scales.size() > 1) k += " (" + std::to_string(t->scales.size()) + " row blocks";
  if (t->diagonal_apart()) k += t->scales.size() > 1 ? ", diagonal apart" : " (diagonal apart";
  return t->scales.size() > 1 || t->diagonal_apart() ? k + ")" : k;
}

void describe(const infer::PackedModel& m, std::size_t file_bytes) {
  std::printf("%s %zux%d, embedding %d, vocab %d%s\n", infer::cell_name(m.cell), m.layers.size(),
              m.hidden, m.embedding, m.vocab, m.tied ? ", tied decoder" : "");
  const auto& names = infer::placement_names(m.cell);
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    const auto& layer = m.layers[l];
    std::string rounded;
    for (std::size_t k = 0; k < names.size(); ++k)
      if (layer.quantized(int(k)))
        rounded += " " + names[k] + (layer.half_levels(int(k)) ? "{0,1/2,1}" : "");
    std::printf(
        "layer %zu: W_ih %s, W_hh %s, BTQ (deterministic):%s, slopes %g (sigmoid) %g "
        "(tanh), hidden state %s\n",
        l, kind(layer.w_ih).c_str(), kind(layer.w_hh).c_str(),
        rounded.empty() ? " none" : rounded.c_str(), double(layer.sigmoid_slope),
        double(layer.tanh_slope), m.hidden_ternary(int(l)) ? "ternary" : "float");
  }
  const double packed = double(m.recurrent_weight_bytes());
  const double fp32 = double(m.recurrent_weight_float32_bytes());
  std::printf("recurrent weights: %.0f bytes packed, %.0f bytes as float32 (1/%.1f)\n", packed,
              fp32, fp32 / packed);
  std::printf("file: %zu bytes; the float32 model: %zu bytes\n", file_bytes,
              m.parameter_count() * sizeof(float));
}

}  // namespace

int main(int argc, char** argv) {
  require_cpu_support("hitnet-export");
  CLI::App app{
      "Export a run's best model as a packed ternary model for hitnet-eval and the "
      "inference library."};
  app.set_version_flag("--version",
                       std::string("hitnet-export ") + kVersion + " (" + kGitRevision + ")");
  std::string run_dir, out;
  app.add_option("run_dir", run_dir, "run directory written by hitnet-run")->required();
  app.add_option("-o,--output", out, "packed model file (default: RUN_DIR/model.hnt)");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  if (out.empty()) out = run_dir + "/model.hnt";

  try {
    const infer::PackedModel model = export_run(run_dir);
    const std::string bytes = infer::serialize_packed(model);
    write_file_atomically(out, bytes);
    std::printf("exported %s (checkpoints/best.ckpt, epoch %s, valid ppl %s) to %s\n",
                run_dir.c_str(), model.metadata_value("checkpoint_epoch").c_str(),
                model.metadata_value("checkpoint_valid_ppl").c_str(), out.c_str());
    describe(model, bytes.size());
    return 0;
  } catch (const UnsupportedScheme& e) {
    std::cerr << "hitnet-export: " << run_dir << "/config.yaml: " << e.what() << "\n";
    return exit_code::kBadConfig;
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-export: " << e.what() << "\n";
    return exit_code::kBadConfig;
  } catch (const DataError& e) {
    std::cerr << "hitnet-export: data: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "hitnet-export: " << e.what() << "\n";
  }
  return 1;
}
