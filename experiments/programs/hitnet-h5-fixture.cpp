// hitnet-h5-fixture: writes a SYNTHETIC run directory (results.h5, summary.json, config.yaml)
// through the same ResultsFile API the trainer uses, for the analysis tests and notebooks.
// Nothing is trained: the metrics are a made-up smooth curve and the tensors random draws,
// so none of its numbers are results. It prints every epoch row it writes (exactly, %.17g)
// so a test can compare the file with what the "run" said, and it can pause after an epoch
// so a test can read the file mid-run or SIGKILL the writer.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/io/atomic_file.hpp"
#include "core/io/results_file.hpp"
#include "core/io/summary_json.hpp"
#include "core/io/timestamp.hpp"
#include "core/stats/histogram.hpp"
#include "hitnet/version.hpp"

namespace {

using hitnet::Histogram;
using hitnet::ResultsFile;

struct Options {
  std::string out;
  int epochs = 3;
  std::vector<int> histogram_epochs;  // default: first and last
  std::string weights = "ttq";        // fp | ttq
  std::string activations = "btq";    // fp | btq
  int bits = 2;
  double sloping_factor = 1.0;
  std::string cell = "lstm";
  int hidden = 32;
  int bins = 101;
  uint64_t seed = 1;
  std::string status = "finished";
  int pause_after = 0;  // epoch after which to print "paused" and sleep
  double pause_seconds = 60;
};

std::string config_yaml(const Options& o) {
  std::ostringstream y;
  y << "# synthetic fixture run (hitnet-h5-fixture): nothing was trained\n"
    << "name: fixture_" << o.cell << "_" << o.weights << "_" << o.activations << "_l"
    << o.sloping_factor << "\n"
    << "seed: " << o.seed << "\n"
    << "data: {corpus: synthetic}\n"
    << "model: {cell: " << o.cell << ", layers: 1, hidden: " << o.hidden
    << ", embedding: " << o.hidden << "}\n"
    << "quant:\n"
    << "  weight_quant: {method: " << o.weights << ", bits: " << o.bits << "}\n"
    << "  sigmoid_quant: {method: " << o.activations << "}\n"
    << "  tanh_quant: {method: " << o.activations << "}\n"
    << "  sloping_factor: " << o.sloping_factor << "\n"
    << "train: {epochs: " << o.epochs << "}\n"
    << "log: {histograms: {bins: " << o.bins << "}}\n";
  return y.str();
}

// A made-up learning curve: quantization and a sloping factor away from the method's best
// shift it up by a fixed amount, so sweeps over the fixture have something to plot.
double synthetic_valid_ppl(const Options& o, int epoch) {
  const double penalty = (o.weights == "fp" ? 0.0 : 0.10) + (o.activations == "fp" ? 0.0 : 0.05) +
                         0.2 * std::pow(std::log(o.sloping_factor / 0.5), 2);
  return 100.0 * (1.0 + penalty) * (1.0 + 2.0 / epoch);
}

std::vector<float> normal_values(std::mt19937_64& rng, std::size_t n, double stddev) {
  std::normal_distribution<float> dist(0.0f, float(stddev));
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Threshold ternarization (Δ = 0.7·mean|w|, levels ±α): only to give the fixture a ternary
// tensor; the real quantizers live in core/quant.
std::vector<float> ternarize(const std::vector<float>& w) {
  double mean_abs = 0;
  for (float x : w) mean_abs += std::abs(x);
  const double delta = 0.7 * mean_abs / double(w.size());
  double alpha = 0;
  std::size_t kept = 0;
  for (float x : w) {
    if (std::abs(x) > delta) alpha += std::abs(x), ++kept;
  }
  alpha = kept ? alpha / double(kept) : 0.0;
  std::vector<float> q(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    q[i] = std::abs(w[i]) > delta ? float(std::copysign(alpha, w[i])) : 0.0f;
  }
  return q;
}

// Stochastic ternarization of values in [-1, 1] (sign(x) with probability |x|, else 0).
std::vector<float> bernoulli_ternarize(std::mt19937_64& rng, const std::vector<float>& x) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> q(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    q[i] = u(rng) < std::abs(x[i]) ? std::copysign(1.0f, x[i]) : 0.0f;
  return q;
}

void write_histograms(ResultsFile& file, const Options& o, int epoch, std::mt19937_64& rng) {
  const auto put = [&](const std::string& kind, const std::string& tensor, const std::string& stage,
                       const std::vector<float>& v) {
    file.write_histogram(epoch, kind, tensor, stage,
                         hitnet::make_histogram(v.data(), v.size(), o.bins));
  };
  const std::size_t gates = o.cell == "gru" ? 3 : 4, h = std::size_t(o.hidden);
  const std::string layer = o.cell + "0.";
  for (const std::string& tensor : {layer + "w_ih", layer + "w_hh"}) {
    const auto full = normal_values(rng, gates * h * h, 0.1 / std::sqrt(double(epoch)));
    put("weights", tensor, "full", full);
    put("weights", tensor, "quantized", o.weights == "ttq" ? ternarize(full) : full);
  }
  // Gate activations over 35 steps of a batch of 20: sigmoid gates live in [0,1], tanh in [-1,1].
  for (const std::string gate : {o.cell == "gru" ? "z" : "i", o.cell == "gru" ? "n" : "g"}) {
    const bool is_tanh = gate == "g" || gate == "n";
    const auto pre = normal_values(rng, 35 * 20 * h, 2.0);
    std::vector<float> post(pre.size());
    for (std::size_t i = 0; i < pre.size(); ++i) {
      const double z = pre[i] / o.sloping_factor;
      post[i] = float(is_tanh ? std::tanh(z) : 1.0 / (1.0 + std::exp(-z)));
    }
    put("activations", layer + gate, "pre", pre);
    put("activations", layer + gate, "post", post);
    put("activations", layer + gate, "quantized",
        o.activations == "btq" ? bernoulli_ternarize(rng, post) : post);
  }
}

int run(const Options& o) {
  std::filesystem::create_directories(o.out);
  const std::string yaml = config_yaml(o);
  hitnet::write_file_atomically(o.out + "/config.yaml", yaml);
  std::ostringstream hash;
  hash << std::hex << std::hash<std::string>{}(yaml);
  const hitnet::RunInfo info{yaml, hash.str(), hitnet::kVersion, hitnet::kGitRevision,
                             hitnet::utc_timestamp()};
  ResultsFile file = ResultsFile::create(o.out + "/results.h5", info);

  std::vector<int> histogram_epochs = o.histogram_epochs;
  if (histogram_epochs.empty()) histogram_epochs = {1, o.epochs};
  std::mt19937_64 rng(o.seed);
  double best = INFINITY;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const double valid = synthetic_valid_ppl(o, epoch);
    const double train = valid * 0.9;
    const hitnet::EpochRow row{epoch, 20.0 / epoch, std::log(train), train,
                               valid, 1e4 + epoch,  0.5 * epoch};
    file.append_epoch(row);
    std::printf(
        "epoch %d lr %.17g train_loss %.17g train_ppl %.17g valid_ppl %.17g "
        "tokens_per_s %.17g wall_s %.17g\n",
        row.epoch, row.lr, row.train_loss, row.train_ppl, row.valid_ppl, row.tokens_per_s,
        row.wall_s);
    if (std::find(histogram_epochs.begin(), histogram_epochs.end(), epoch) !=
        histogram_epochs.end()) {
      write_histograms(file, o, epoch, rng);
    }
    best = std::min(best, valid);
    if (epoch == o.pause_after) {
      std::printf("paused after epoch %d\n", epoch);
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_seconds));
    }
    std::fflush(stdout);
  }
  const double test = best * 0.97;
  hitnet::FinalMetrics final_metrics;
  final_metrics.best_valid_ppl = best, final_metrics.best_epoch = o.epochs;
  final_metrics.epochs_run = o.epochs, final_metrics.test_ppl = test;
  file.finish(final_metrics, o.status);
  hitnet::write_summary_json(
      o.out + "/summary.json",
      hitnet::summary_of(info, final_metrics, o.status, hitnet::utc_timestamp()));
  std::printf("final best_valid_ppl %.17g test_ppl %.17g\n", best, test);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Write a synthetic hitnet run directory (for tests; nothing is trained)"};
  app.set_version_flag("--version", std::string("hitnet-h5-fixture ") + hitnet::kVersion + " (" +
                                        hitnet::kGitRevision + ")");
  app.add_option("--out", o.out, "run directory to write")->required();
  app.add_option("--epochs", o.epochs, "epochs")->check(CLI::Range(1, 100000));
  app.add_option("--hist-epochs", o.histogram_epochs, "epochs with histograms (default: 1, last)")
      ->delimiter(',');
  app.add_option("--weights", o.weights, "weight quantizer")->check(CLI::IsMember({"fp", "ttq"}));
  app.add_option("--activations", o.activations, "activation quantizer")
      ->check(CLI::IsMember({"fp", "btq"}));
  app.add_option("--bits", o.bits, "bits recorded in the config");
  app.add_option("--sloping-factor", o.sloping_factor, "lambda")->check(CLI::PositiveNumber);
  app.add_option("--cell", o.cell, "cell")->check(CLI::IsMember({"lstm", "gru"}));
  app.add_option("--hidden", o.hidden, "hidden units")->check(CLI::Range(1, 4096));
  app.add_option("--bins", o.bins, "histogram bins")->check(CLI::Range(1, 100000));
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--status", o.status, "final status")
      ->check(CLI::IsMember({"finished", "failed", "diverged"}));
  app.add_option("--pause-after", o.pause_after, "after this epoch print 'paused' and sleep");
  app.add_option("--pause-seconds", o.pause_seconds, "length of that pause");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hitnet-h5-fixture: %s\n", e.what());
    return 1;
  }
}
