#include "experiments/lib/trainer.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/io/checkpoint.hpp"
#include "core/io/results_file.hpp"
#include "core/io/summary_json.hpp"
#include "core/io/timestamp.hpp"
#include "core/optim/lr_schedule.hpp"
#include "core/optim/optimizer.hpp"
#include "core/stats/histogram.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/progress.hpp"
#include "hitnet/version.hpp"

namespace hitnet {

std::atomic<bool> g_stop_requested{false};

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Collects activation values over a few windows for the histograms.
class HistogramTap : public ActivationTap {
 public:
  void record(const std::string& tensor, const std::string& stage,
              const Eigen::Ref<const Matrix>& values) override {
    auto& acc = values_[{tensor, stage}];
    for (Eigen::Index c = 0; c < values.cols(); ++c)
      acc.add(values.col(c).data(), static_cast<std::size_t>(values.rows()));
  }
  std::map<std::pair<std::string, std::string>, HistogramAccumulator> values_;
};

bool histogram_epoch(const HistogramConfig& h, int epoch, int epochs) {
  for (int e : h.epochs)
    if (e == epoch) return true;
  return (h.every > 0 && epoch % h.every == 0) || (h.last && epoch == epochs);
}

// Everything about a run that changes as it trains, and that a checkpoint must restore.
struct Position {
  int epoch = 1;        // epoch in progress (1-based)
  int window = 0;       // next window of that epoch
  double loss_sum = 0;  // this epoch so far: summed NLL (nats) and target tokens
  double tokens = 0;
  double train_s = 0;  // seconds spent in training steps this epoch
  double wall_s = 0;   // whole run so far (earlier sessions included)
  int best_epoch = 0;
  double best_valid = 0;
  double tokens_per_s_sum = 0;  // over finished epochs, for the summary's mean
};

class Run {
 public:
  Run(const Config& cfg, const TrainerOptions& opt)
      : cfg_(cfg),
        opt_(opt),
        ckpt_dir_(opt.run_dir + "/checkpoints"),
        corpus_(load_corpus(cfg.data, opt.data_root)),
        train_(corpus_.train, cfg.data.batch_size, cfg.data.bptt),
        valid_(corpus_.valid, cfg.data.eval_batch_size, cfg.data.bptt),
        test_(corpus_.test, cfg.data.eval_batch_size, cfg.data.bptt),
        model_(build_model(cfg, corpus_.vocab.size())),
        optimizer_(make_optimizer(
            cfg.train.optimizer, static_cast<std::size_t>(model_->parameters().values().size()),
            static_cast<float>(cfg.train.weight_decay), static_cast<float>(cfg.train.adam_beta1),
            static_cast<float>(cfg.train.adam_beta2), static_cast<float>(cfg.train.adam_eps))),
        schedule_(cfg.train.schedule, cfg.train.lr),
        rng_(cfg.seed),
        progress_(opt.run_dir + "/log.txt", opt.live_progress, cfg.log.interval_s) {
    fs::create_directories(ckpt_dir_);
    info_ = {to_yaml(cfg), config_hash(cfg), kVersion, kGitRevision, utc_timestamp()};
    model_->init_uniform(static_cast<float>(cfg.model.init_range), rng_);
    state_ = model_->initial_state(cfg.data.batch_size);
    if (opt.resume) {
      restore(Checkpoint::load(ckpt_dir_ + "/latest.ckpt"));
      results_.emplace(ResultsFile::reopen(opt.run_dir + "/results.h5", pos_.epoch - 1));
      progress_.line("resumed at epoch " + std::to_string(pos_.epoch) + ", batch " +
                     std::to_string(pos_.window));
    } else {
      results_.emplace(ResultsFile::create(opt.run_dir + "/results.h5", info_));
    }
  }

  RunResult run();

 private:
  int batches_per_epoch() const {
    const int n = train_.num_windows();
    return cfg_.train.max_batches > 0 ? std::min(n, cfg_.train.max_batches) : n;
  }
  float grad_scale(const Window& w) const {
    const double per =
        cfg_.train.loss_reduction == "batch_mean" ? w.batch : double(w.batch) * w.len;
    return static_cast<float>(1.0 / per);
  }
  double evaluate(const BatchedSplit& split, uint64_t seed_offset);
  void write_histograms(int epoch);
  // A checkpoint that resumes at `at` (the next batch to train).
  Checkpoint snapshot(const Position& at) const;
  // Ends the run as diverged: says why, marks the results and summary.
  RunResult diverge(const std::string& why, const FinalMetrics& final);
  void restore(const Checkpoint& ck);
  void write_summary(const std::string& status, const FinalMetrics& f);

  const Config& cfg_;
  TrainerOptions opt_;
  std::string ckpt_dir_;
  Corpus corpus_;
  BatchedSplit train_, valid_, test_;
  std::unique_ptr<LanguageModel> model_;
  std::unique_ptr<Optimizer> optimizer_;
  LrSchedule schedule_;
  Rng rng_;
  ModelState state_;
  Position pos_;
  RunInfo info_;
  std::optional<ResultsFile> results_;
  Progress progress_;
};

double Run::evaluate(const BatchedSplit& split, uint64_t seed_offset) {
  // Its own generator: evaluation (stochastic quantizers sampling at eval) never shifts the
  // training stream, so a resumed run draws exactly what an uninterrupted one would.
  Rng rng(cfg_.seed * 1000003ULL + seed_offset);
  ModelState state = model_->initial_state(split.batch());
  const int n = cfg_.train.max_eval_batches > 0
                    ? std::min(split.num_windows(), cfg_.train.max_eval_batches)
                    : split.num_windows();
  double nll = 0, tokens = 0;
  for (int k = 0; k < n; ++k) {
    const Window w = split.window(k);
    nll += model_->evaluate(w, state, rng);
    tokens += double(w.len) * w.batch;
  }
  return std::exp(nll / tokens);
}

void Run::write_histograms(int epoch) {
  const int bins = cfg_.log.histograms.bins;
  Rng rng(cfg_.seed * 7919ULL + static_cast<uint64_t>(epoch));
  for (const auto& w : model_->weights()) {
    results_->write_histogram(
        epoch, "weights", w.name, "full",
        make_histogram(w.full.data(), static_cast<std::size_t>(w.full.size()), bins));
  }
  // Activations as training sees them (dropout, stochastic quantizers sampling) over the first
  // windows of the training split, from a zero state and a generator of their own.
  HistogramTap tap;
  ModelState state = model_->initial_state(cfg_.data.batch_size);
  const int n = std::min(train_.num_windows(), cfg_.log.histograms.batches);
  for (int k = 0; k < n; ++k) {
    model_->forward_only(train_.window(k), state, rng, Pass::train());
    model_->report_activations(tap);
  }
  // The quantized weights of the last of those passes (computed from the current weights).
  for (const auto& w : model_->weights()) {
    if (!w.quantized->active()) continue;
    const auto q = w.quantized->values();
    results_->write_histogram(epoch, "weights", w.name, "quantized",
                              make_histogram(q.data(), static_cast<std::size_t>(q.size()), bins));
  }
  for (const auto& [key, acc] : tap.values_)
    results_->write_histogram(epoch, "activations", key.first, key.second, acc.histogram(bins));
}

Checkpoint Run::snapshot(const Position& at) const {
  Checkpoint ck;
  ck.put("config_hash", info_.config_hash);
  ck.put("started", info_.started);
  ck.put("params", model_->parameters().values());
  const auto opt_state = optimizer_->state();
  ck.put("optimizer.count", double(opt_state.size()));
  for (std::size_t k = 0; k < opt_state.size(); ++k)
    ck.put("optimizer." + std::to_string(k), opt_state[k]);
  ck.put("schedule.lr", schedule_.lr());
  ck.put("schedule.best_valid", schedule_.best_valid());
  std::ostringstream rng;
  rng << rng_;
  ck.put("rng", rng.str());
  for (std::size_t l = 0; l < state_.size(); ++l) {
    ck.put("state.h." + std::to_string(l), Vector(state_[l].h.reshaped()));
    ck.put("state.c." + std::to_string(l), Vector(state_[l].c.reshaped()));
  }
  ck.put("pos.epoch", double(at.epoch));
  ck.put("pos.window", double(at.window));
  ck.put("pos.loss_sum", at.loss_sum);
  ck.put("pos.tokens", at.tokens);
  ck.put("pos.train_s", at.train_s);
  ck.put("pos.wall_s", at.wall_s);
  ck.put("pos.best_epoch", double(at.best_epoch));
  ck.put("pos.best_valid", at.best_valid);
  ck.put("pos.tokens_per_s_sum", at.tokens_per_s_sum);
  return ck;
}

void Run::restore(const Checkpoint& ck) {
  if (ck.text("config_hash") != info_.config_hash)
    throw std::runtime_error("checkpoint was written by a run with config hash " +
                             ck.text("config_hash") + ", this config hashes to " +
                             info_.config_hash);
  info_.started = ck.text("started");
  auto& params = model_->parameters().values();
  params = ck.floats("params", params.size());
  std::vector<Vector> opt_state;
  for (int k = 0; k < int(ck.number("optimizer.count")); ++k)
    opt_state.push_back(ck.floats("optimizer." + std::to_string(k)));
  optimizer_->set_state(opt_state);
  schedule_.restore(ck.number("schedule.lr"), ck.number("schedule.best_valid"));
  std::istringstream rng(ck.text("rng"));
  rng >> rng_;
  for (std::size_t l = 0; l < state_.size(); ++l) {
    auto& s = state_[l];
    s.h.reshaped() = ck.floats("state.h." + std::to_string(l), s.h.size());
    s.c.reshaped() = ck.floats("state.c." + std::to_string(l), s.c.size());
  }
  pos_.epoch = int(ck.number("pos.epoch"));
  pos_.window = int(ck.number("pos.window"));
  pos_.loss_sum = ck.number("pos.loss_sum");
  pos_.tokens = ck.number("pos.tokens");
  pos_.train_s = ck.number("pos.train_s");
  pos_.wall_s = ck.number("pos.wall_s");
  pos_.best_epoch = int(ck.number("pos.best_epoch"));
  pos_.best_valid = ck.number("pos.best_valid");
  pos_.tokens_per_s_sum = ck.number("pos.tokens_per_s_sum");
}

void Run::write_summary(const std::string& status, const FinalMetrics& f) {
  auto s = summary_of(info_, f, status, status == "running" ? "" : utc_timestamp());
  s["name"] = cfg_.name;
  s["epochs"] = f.epochs_run;
  s["best_epoch"] = pos_.best_epoch;
  s["train_tokens_per_s"] = f.epochs_run > 0 ? pos_.tokens_per_s_sum / f.epochs_run : 0.0;
  s["wall_s"] = pos_.wall_s;
  s["threads"] = omp_get_max_threads();
  s["gemm_backend"] = kGemmBackend;
  write_summary_json(opt_.run_dir + "/summary.json", s);
}

RunResult Run::diverge(const std::string& why, const FinalMetrics& final) {
  progress_.line("diverged: " + why);
  results_->finish(final, "diverged");
  write_summary("diverged", final);
  RunResult result;
  result.status = RunStatus::kDiverged;
  return result;
}

RunResult Run::run() {
  const int epochs = cfg_.train.epochs, batches = batches_per_epoch();
  const auto session_start = Clock::now();
  const double wall_before = pos_.wall_s;
  FinalMetrics final{pos_.best_valid, NAN, pos_.epoch - 1, 1, NAN, 0.0};
  RunResult result;
  long long session_batches = 0;
  for (; pos_.epoch <= epochs; ++pos_.epoch, pos_.window = 0) {
    const float lr = static_cast<float>(schedule_.lr());
    // Every epoch starts from a zero state, as in Zaremba et al. and PyTorch's
    // word_language_model: the carried state never crosses the end of the corpus.
    if (pos_.window == 0) state_ = model_->initial_state(cfg_.data.batch_size);
    for (; pos_.window < batches; ++pos_.window) {
      const auto t0 = Clock::now();
      const Window w = train_.window(pos_.window);
      model_->parameters().zero_grads();
      const double nll = model_->forward_backward(w, state_, rng_, grad_scale(w));
      clip_global_norm(model_->parameters().grads(), cfg_.train.clip);
      optimizer_->step(model_->parameters().values(), model_->parameters().grads(), lr);
      pos_.train_s += seconds_since(t0);
      pos_.loss_sum += nll;
      pos_.tokens += double(w.len) * w.batch;
      if (!std::isfinite(nll))
        return diverge("non-finite loss at epoch " + std::to_string(pos_.epoch) + ", batch " +
                           std::to_string(pos_.window + 1),
                       final);
      const double tok_s = pos_.tokens / pos_.train_s;
      const double remaining =
          double(batches - pos_.window - 1) + double(epochs - pos_.epoch) * batches;
      progress_.batch({pos_.epoch, epochs, pos_.window + 1, batches, pos_.loss_sum / pos_.tokens,
                       tok_s, remaining * pos_.train_s / (pos_.window + 1)});
      const bool periodic =
          cfg_.train.checkpoint_every > 0 && (pos_.window + 1) % cfg_.train.checkpoint_every == 0;
      const bool stop = g_stop_requested || ++session_batches == opt_.stop_after_batches;
      if (periodic || stop) {
        pos_.wall_s = wall_before + seconds_since(session_start);
        Position next = pos_;
        ++next.window;  // resume after this batch
        snapshot(next).save(ckpt_dir_ + "/latest.ckpt");
      }
      if (stop) {
        progress_.line("interrupted: checkpoint written, continue with hitnet-run --resume " +
                       opt_.run_dir);
        write_summary("interrupted", final);
        result.status = RunStatus::kInterrupted;
        return result;
      }
    }

    const double train_loss = pos_.loss_sum / pos_.tokens;
    const double tokens_per_s = pos_.tokens / pos_.train_s;
    const double valid_ppl = evaluate(valid_, uint64_t(pos_.epoch));
    if (!std::isfinite(valid_ppl))
      return diverge("validation perplexity is " + std::to_string(valid_ppl) + " after epoch " +
                         std::to_string(pos_.epoch),
                     final);
    schedule_.end_epoch(pos_.epoch, valid_ppl);
    if (pos_.best_epoch == 0 || valid_ppl < pos_.best_valid) {
      pos_.best_epoch = pos_.epoch, pos_.best_valid = valid_ppl;
      Checkpoint best;
      best.put("params", model_->parameters().values());
      best.put("epoch", double(pos_.epoch));
      best.put("valid_ppl", valid_ppl);
      best.save(ckpt_dir_ + "/best.ckpt");
    }
    if (histogram_epoch(cfg_.log.histograms, pos_.epoch, epochs)) write_histograms(pos_.epoch);
    pos_.wall_s = wall_before + seconds_since(session_start);
    results_->append_epoch(
        {pos_.epoch, lr, train_loss, std::exp(train_loss), valid_ppl, tokens_per_s, pos_.wall_s});
    pos_.tokens_per_s_sum += tokens_per_s;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "epoch %d/%d done: lr %.4g train ppl %.2f valid ppl %.2f tok/s %.0f (%s)",
                  pos_.epoch, epochs, lr, std::exp(train_loss), valid_ppl, tokens_per_s,
                  format_duration(pos_.wall_s).c_str());
    progress_.line(buf);

    final.best_valid_ppl = pos_.best_valid, final.epochs_run = pos_.epoch;
    pos_.loss_sum = pos_.tokens = pos_.train_s = 0;
    Position next = pos_;  // resume at the first window of the next epoch
    ++next.epoch, next.window = 0;
    snapshot(next).save(ckpt_dir_ + "/latest.ckpt");
    write_summary("running", final);
  }

  // Test perplexity of the best model (several passes when quantizers sample at evaluation).
  model_->parameters().values() = Checkpoint::load(ckpt_dir_ + "/best.ckpt")
                                      .floats("params", model_->parameters().values().size());
  const int passes = std::max(1, cfg_.quant.eval_samples);
  std::vector<double> ppl;
  for (int k = 0; k < passes; ++k) ppl.push_back(evaluate(test_, 1000000ULL + uint64_t(k)));
  double mean = 0, var = 0;
  for (double p : ppl) mean += p / passes;
  for (double p : ppl) var += (p - mean) * (p - mean) / std::max(1, passes - 1);
  final = {pos_.best_valid, mean, epochs, passes, mean, std::sqrt(var)};
  pos_.wall_s = wall_before + seconds_since(session_start);
  results_->finish(final, "finished");
  write_summary("finished", final);
  char buf[200];
  std::snprintf(buf, sizeof buf, "valid ppl %.2f test ppl %.2f", pos_.best_valid, mean);
  progress_.line(buf);
  if (passes > 1) {
    std::snprintf(buf, sizeof buf, "test ppl over %d sampled passes: %.2f ± %.2f", passes, mean,
                  std::sqrt(var));
    progress_.line(buf);
  }
  progress_.line("results: " + opt_.run_dir);
  result.best_valid_ppl = pos_.best_valid, result.test_ppl = mean,
  result.test_ppl_std = std::sqrt(var);
  result.epochs_run = epochs;
  result.train_tokens_per_s = pos_.tokens_per_s_sum / epochs;
  return result;
}

}  // namespace

RunResult train(const Config& cfg, const TrainerOptions& options) {
  const int threads = cfg.threads > 0 ? cfg.threads : omp_get_num_procs();
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
  Run run(cfg, options);
  return run.run();
}

}  // namespace hitnet
