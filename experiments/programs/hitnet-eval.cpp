// hitnet-eval: the perplexity of a packed model (hitnet-export) on a corpus split, computed by
// the inference library with the trainer's evaluation protocol, so that it equals the trainer's
// deterministic evaluation of the same checkpoint.
//   hitnet-eval MODEL.hnt [--corpus NAME] [--data-path DIR] [--split test] [--batch N]
//               [--max-windows N] [--kernels auto|portable|avx2|avx512|avx512-vpopcnt|float32]
//               [--json FILE]
// Corpus, batch (data.eval_batch_size), bptt and max windows (train.max_eval_batches) default
// to the run's config stored in the model. Exit status: 0 done, 1 failure (a bad model file,
// missing corpus), 2 bad command line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/infer/packed_format.hpp"
#include "core/util/cpu_support.hpp"
#include "experiments/lib/command_line.hpp"
#include "experiments/lib/packed_eval.hpp"
#include "experiments/lib/run_directory.hpp"
#include "hitnet/version.hpp"

using namespace hitnet;

int main(int argc, char** argv) {
  require_cpu_support("hitnet-eval");
  CLI::App app{"Perplexity of a packed model (hitnet-export) on a corpus split."};
  app.set_version_flag("--version",
                       std::string("hitnet-eval ") + kVersion + " (" + kGitRevision + ")");
  std::string model_path, corpus, data_path, split_name = "test", kernels = "auto", json_path;
  int batch = 0, max_windows = -1;
  app.add_option("model", model_path, "packed model file (.hnt)")->required();
  app.add_option("--corpus", corpus, "corpus (default: the run's data.corpus)");
  app.add_option("--data-path", data_path,
                 "corpus folder (default: the run's data.path, or data/CORPUS with --corpus)");
  app.add_option("--split", split_name, "split to evaluate")
      ->check(CLI::IsMember({"train", "valid", "test"}));
  app.add_option("--batch", batch, "parallel streams (default: the run's data.eval_batch_size)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-windows", max_windows,
                 "evaluate the first N windows of data.bptt steps, 0 = all (default: the run's "
                 "train.max_eval_batches)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--kernels", kernels,
                 "ternary products: auto (the best this CPU has), portable, avx2, avx512, "
                 "avx512-vpopcnt, or float32 (the matrices expanded, Eigen's GEMM)")
      ->check(CLI::IsMember({"auto", "portable", "avx2", "avx512", "avx512-vpopcnt", "float32"}));
  app.add_option("--json", json_path, "also write the result to this JSON file");
  if (const auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;

  infer::Engine engine = infer::Engine::kTernary;
  infer::Isa isa = infer::best_isa();
  if (kernels == "float32") engine = infer::Engine::kFloat32Gemm;
  for (infer::Isa candidate :
       {infer::Isa::kPortable, infer::Isa::kAvx2, infer::Isa::kAvx512, infer::Isa::kAvx512Vpopcnt})
    if (kernels == infer::isa_name(candidate)) {
      if (!infer::isa_supported(candidate)) {
        std::cerr << "hitnet-eval: --kernels " << kernels << ": this CPU does not have them\n";
        return kUsageExit;
      }
      isa = candidate;
    }

  try {
    const infer::PackedModel model = infer::load_packed(model_path);
    const std::string stored = model.metadata_value("config");
    Config cfg;
    if (!stored.empty()) {
      cfg = parse_config(stored, model_path + " (its run's config)");
    } else if (corpus.empty()) {
      std::cerr << "hitnet-eval: " << model_path
                << " holds no run config: name the corpus with --corpus\n";
      return kUsageExit;
    }
    if (!corpus.empty() && corpus != cfg.data.corpus) {
      cfg.data.corpus = corpus;
      if (data_path.empty()) data_path = "data/" + corpus;
    }
    if (!data_path.empty()) cfg.data.path = data_path;
    if (batch == 0) batch = cfg.data.eval_batch_size;
    if (max_windows < 0) max_windows = cfg.train.max_eval_batches;

    const Corpus data = load_corpus(cfg.data, data_root_for(cfg.data.path));
    const auto& tokens = split_name == "train"   ? data.train
                         : split_name == "valid" ? data.valid
                                                 : data.test;
    const BatchedSplit split(to_model_ids(tokens, data.vocab, model.words), batch, cfg.data.bptt);
    const PackedEvaluation e = evaluate_packed(model, split, max_windows, engine, isa);
    const std::string used =
        engine == infer::Engine::kFloat32Gemm ? "float32" : infer::isa_name(isa);
    std::printf(
        "%s ppl %.6f (%s %s: %.0f tokens in %d windows of %d steps, batch %d; kernels %s, "
        "%.2f s, %.0f tokens/s)\n",
        split_name.c_str(), e.perplexity(), cfg.data.corpus.c_str(), split_name.c_str(), e.tokens,
        e.windows, cfg.data.bptt, batch, used.c_str(), e.seconds, e.tokens / e.seconds);
    if (!json_path.empty()) {
      const nlohmann::json j = {{"model", model_path},   {"corpus", cfg.data.corpus},
                                {"split", split_name},   {"batch", batch},
                                {"bptt", cfg.data.bptt}, {"windows", e.windows},
                                {"tokens", e.tokens},    {"nll", e.nll},
                                {"ppl", e.perplexity()}, {"kernels", used},
                                {"seconds", e.seconds},  {"tokens_per_s", e.tokens / e.seconds}};
      std::ofstream(json_path) << j.dump(2) << "\n";
    }
    return 0;
  } catch (const infer::FormatError& e) {
    std::cerr << "hitnet-eval: " << e.what() << "\n";
  } catch (const ConfigError& e) {
    std::cerr << "hitnet-eval: " << e.what() << "\n";
  } catch (const DataError& e) {
    std::cerr << "hitnet-eval: data: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "hitnet-eval: " << e.what() << "\n";
  }
  return 1;
}
