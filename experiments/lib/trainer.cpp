#include "experiments/lib/trainer.hpp"

#include <omp.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "core/config/load.hpp"
#include "core/data/corpus.hpp"
#include "core/io/checkpoint_archive.hpp"
#include "core/io/checkpoint_files.hpp"
#include "core/io/results_file.hpp"
#include "core/io/run_status.hpp"
#include "core/io/summary_json.hpp"
#include "core/io/timestamp.hpp"
#include "core/optim/lr_schedule.hpp"
#include "core/util/blas_kernel.hpp"
#include "core/util/threads.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/evaluation.hpp"
#include "experiments/lib/progress.hpp"
#include "experiments/lib/tensor_report.hpp"
#include "experiments/lib/train_step.hpp"
#include "experiments/lib/warm_start.hpp"
#include "hitnet/version.hpp"

namespace hitnet {

std::atomic<bool> g_stop_requested{false};

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Seeds of the evaluation generators: their own, so that evaluating (stochastic quantizers
// sampling at evaluation) never shifts the training stream and a resumed run draws exactly what
// an uninterrupted one would.
uint64_t validation_seed(uint64_t seed, int epoch) {
  return seed * 1000003ULL + uint64_t(epoch);
}
uint64_t test_seed(uint64_t seed) {
  return seed * 1000003ULL + 1000000ULL;
}

// Where a run is and what it has summed so far: everything besides the model, optimizer,
// schedule, generator and carried state that a checkpoint restores.
struct Position {
  int epoch = 1;        // epoch in progress (1-based); epochs + 1 once training is done
  int window = 0;       // next window of that epoch
  double loss_sum = 0;  // this epoch so far: summed NLL (nats) and target tokens
  double tokens = 0;
  double train_s = 0;                           // seconds spent in training steps this epoch
  double grad_norm_sum = 0, grad_norm_max = 0;  // this epoch so far, before clipping
  int clipped = 0;                              // batches whose gradient was clipped
  double wall_s = 0;                            // whole run so far (earlier sessions included)
  int best_epoch = 0;
  double best_valid = 0;
  double tokens_per_s_sum = 0;  // over finished epochs, for the summary's mean

  template <class Archive>
  void visit(Archive& a) {
    a("pos.epoch", epoch), a("pos.window", window), a("pos.loss_sum", loss_sum);
    a("pos.tokens", tokens), a("pos.train_s", train_s), a("pos.grad_norm_sum", grad_norm_sum);
    a("pos.grad_norm_max", grad_norm_max), a("pos.clipped", clipped), a("pos.wall_s", wall_s);
    a("pos.best_epoch", best_epoch), a("pos.best_valid", best_valid);
    a("pos.tokens_per_s_sum", tokens_per_s_sum);
  }
  void start_epoch() {
    ++epoch, window = 0;
    loss_sum = tokens = train_s = grad_norm_sum = grad_norm_max = 0, clipped = 0;
  }
};

// "deterministic", "sample", "expectation", or "mixed" when the quantizers disagree.
std::string eval_mode_label(const LanguageModel& model) {
  if (model.eval_modes().size() > 1) return "mixed";
  return eval_mode_name(model.stochastic() ? *model.eval_modes().begin()
                                           : EvalMode::kDeterministic);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

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
        step_(cfg, *model_),
        schedule_(cfg.train.schedule, cfg.train.lr),
        rng_(cfg.seed),
        progress_(opt.run_dir + "/log.txt", opt.live_progress, cfg.log.interval_s) {
    fs::create_directories(ckpt_dir_);
    info_ = {to_yaml(cfg), config_hash(cfg), kVersion, kGitRevision, utc_timestamp()};
    model_->init_uniform(static_cast<float>(cfg.model.init_range), rng_);
    if (!cfg.init.from.empty() && !opt.resume) {
      info_.init_from = warm_start(*model_, cfg.model, cfg.init.from, cfg.init.sha256);
      progress_.line("warm start from " + info_.init_from);
    }
    state_ = model_->initial_state(cfg.data.batch_size);
    if (opt.resume) {
      const LoadedCheckpoint latest = load_latest_good(ckpt_dir_);
      for (const std::string& note : latest.notes) progress_.line(note);
      restore(latest.checkpoint);
      results_.emplace(ResultsFile::reopen(opt.run_dir + "/results.h5", pos_.epoch - 1));
      progress_.line("resumed at epoch " + std::to_string(pos_.epoch) + ", batch " +
                     std::to_string(pos_.window));
    } else {
      results_.emplace(ResultsFile::create(opt.run_dir + "/results.h5", info_));
    }
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  RunResult run();

 private:
  // Every field of the training state a checkpoint holds, for saving and restoring alike.
  template <class Archive>
  void visit(Archive& a) {
    a("started", info_.started);
    a("params", model_->parameters().values());
    std::vector<Vector> optimizer = step_.optimizer().state();
    a("optimizer", optimizer);
    step_.optimizer().set_state(optimizer);
    schedule_.visit(a);
    a("rng", rng_);
    for (std::size_t l = 0; l < state_.size(); ++l) {
      a("state.h." + std::to_string(l), state_[l].h);
      a("state.c." + std::to_string(l), state_[l].c);
    }
    pos_.visit(a);
  }
  void save_checkpoint() {
    pos_.wall_s = wall_before_ + seconds_since(session_start_);
    CheckpointWriter w;
    w("config_hash", info_.config_hash);
    w("config", info_.config_yaml);  // so a later hitnet, hashing it otherwise, recognises it
    visit(w);
    save_latest(ckpt_dir_, w.checkpoint());
  }
  void restore(const Checkpoint& ck) {
    if (ck.text("config_hash") != info_.config_hash && !written_by_older_hitnet(ck))
      throw std::runtime_error("checkpoint was written by a run with config hash " +
                               ck.text("config_hash") + ", this config hashes to " +
                               info_.config_hash);
    CheckpointReader r(ck);
    visit(r);
  }
  // A checkpoint of this very run written by an older hitnet: a key added since changes the hash
  // (it enters every config with its default) but not the experiment. Accepted when the config
  // the checkpoint carries, read by this hitnet, is the config resumed now; for checkpoints that
  // carry none (before it was stored), when its hash is the one the run recorded at its start and
  // that recorded config, read by this hitnet, is the config resumed now. So a study continues
  // across upgrades instead of starting over.
  bool written_by_older_hitnet(const Checkpoint& ck) {
    const std::string theirs = ck.text("config_hash");
    try {
      if (ck.has("config")) {
        if (config_hash(parse_config(ck.text("config"), ckpt_dir_)) != info_.config_hash)
          return false;
      } else {
        const RunInfo recorded = ResultsFile::read_info(opt_.run_dir + "/results.h5");
        if (recorded.config_hash != theirs ||
            config_hash(parse_config(recorded.config_yaml, opt_.run_dir + "/results.h5")) !=
                info_.config_hash)
          return false;
      }
    } catch (const std::exception&) {
      return false;  // nothing trustworthy recorded: the plain mismatch error says enough
    }
    progress_.line("resuming a checkpoint of an older hitnet (config hash " + theirs + ", now " +
                   info_.config_hash + ": keys added since take their defaults)");
    return true;
  }

  int batches_per_epoch() const {
    const int n = train_.num_windows();
    return cfg_.train.max_batches > 0 ? std::min(n, cfg_.train.max_batches) : n;
  }
  // Evaluates `split` in the pass's mode(s) over `passes` passes; nullopt when stopped.
  std::optional<PerplexityStats> evaluate(const BatchedSplit& split, uint64_t seed,
                                          const Pass& pass, int passes) {
    return evaluate_split(*model_, step_.data_parallel(), split, cfg_.train.max_eval_batches, seed,
                          pass, passes, g_stop_requested);
  }
  // Passes the configured evaluation needs: several when a quantizer samples at evaluation.
  int configured_passes() const { return model_->samples_at_eval() ? cfg_.quant.eval_samples : 1; }
  // Trains the epoch's remaining windows; false when stopped or diverged (result_ says which).
  bool train_epoch();
  // Validation, schedule, best model, tensor report, metrics row, checkpoint; false as above.
  bool end_epoch();
  // train.epochs 0 (post-training quantization): the initial model is "epoch 0", validated and
  // kept as the best model, with nothing trained; false as above.
  bool validate_initial();
  // Writes checkpoints/best.ckpt: the parameters now, from `epoch`, with their valid ppl.
  void save_best(int epoch, double valid_ppl);
  // Test perplexity of the best model in every mode that applies; false when stopped.
  bool test();
  RunResult interrupted();
  RunResult diverge(const std::string& why);

 public:
  // Marks the run failed with the reason, as far as the disk still allows (a full disk may
  // refuse this too: the run then stays "running" on disk, and its lock tells it is dead).
  void fail(const std::string& why) noexcept;

 private:
  void write_summary(std::string_view run_status);

  const Config& cfg_;
  TrainerOptions opt_;
  std::string ckpt_dir_;
  Corpus corpus_;
  BatchedSplit train_, valid_, test_;
  std::unique_ptr<LanguageModel> model_;
  TrainStep step_;
  LrSchedule schedule_;
  Rng rng_;
  ModelState state_;
  Position pos_;
  RunInfo info_;
  std::optional<ResultsFile> results_;
  Progress progress_;
  FinalMetrics final_;
  std::optional<RunResult> result_;  // set when the run ends early (stopped or diverged)
  std::string reason_;               // why a failed or diverged run ended (summary.json)
  Clock::time_point session_start_ = Clock::now();
  double wall_before_ = 0;  // wall_s of earlier sessions
  long long session_batches_ = 0;
};

bool Run::train_epoch() {
  const int epochs = cfg_.train.epochs, batches = batches_per_epoch();
  const float lr = static_cast<float>(schedule_.lr());
  while (pos_.window < batches) {
    const auto t0 = Clock::now();
    const Window w = train_.window(pos_.window);
    const StepStats s = step_(w, state_, rng_, lr);
    pos_.train_s += seconds_since(t0);
    pos_.loss_sum += s.nll;
    pos_.tokens += double(w.len) * w.batch;
    pos_.grad_norm_sum += s.grad_norm;
    pos_.grad_norm_max = std::max(pos_.grad_norm_max, s.grad_norm);
    pos_.clipped += s.clipped;
    ++pos_.window;
    const std::string where =
        " at epoch " + std::to_string(pos_.epoch) + ", batch " + std::to_string(pos_.window);
    if (!std::isfinite(s.nll)) return result_ = diverge("non-finite loss" + where), false;
    if (!s.updated) return result_ = diverge("non-finite gradient norm" + where), false;

    const double tok_s = pos_.tokens / pos_.train_s;
    const double remaining = double(batches - pos_.window) + double(epochs - pos_.epoch) * batches;
    progress_.batch({pos_.epoch, epochs, pos_.window, batches, pos_.loss_sum / pos_.tokens, tok_s,
                     remaining * pos_.train_s / pos_.window});
    const bool periodic =
        cfg_.train.checkpoint_every > 0 && pos_.window % cfg_.train.checkpoint_every == 0;
    const bool stop = g_stop_requested || ++session_batches_ == opt_.stop_after_batches;
    if (periodic || stop) save_checkpoint();  // resumes after this batch
    if (stop) return result_ = interrupted(), false;
  }
  return true;
}

bool Run::end_epoch() {
  const int epochs = cfg_.train.epochs;
  const double train_loss = pos_.loss_sum / pos_.tokens;
  const double tokens_per_s = pos_.tokens / pos_.train_s;
  const float lr = static_cast<float>(schedule_.lr());
  const auto valid = evaluate(valid_, validation_seed(cfg_.seed, pos_.epoch), Pass::evaluate(),
                              configured_passes());
  if (!valid) {  // stopped during validation: resume validates this epoch again
    save_checkpoint();
    return result_ = interrupted(), false;
  }
  const double valid_ppl = valid->mean;
  if (!std::isfinite(valid_ppl))
    return result_ = diverge("validation perplexity is " + std::to_string(valid_ppl) +
                             " after epoch " + std::to_string(pos_.epoch)),
           false;
  schedule_.end_epoch(pos_.epoch, valid_ppl);
  if (pos_.best_epoch == 0 || valid_ppl < pos_.best_valid) {
    pos_.best_epoch = pos_.epoch, pos_.best_valid = valid_ppl;
    save_best(pos_.epoch, valid_ppl);
  }
  const QuantErrors errors = inspect_tensors(*model_, train_, cfg_, pos_.epoch, &*results_);
  pos_.wall_s = wall_before_ + seconds_since(session_start_);
  const double batches = double(pos_.window);
  EpochRow row{pos_.epoch, lr,           train_loss,  std::exp(train_loss),
               valid_ppl,  tokens_per_s, pos_.wall_s, {}};
  row.extra = {{"valid_ppl_std", valid->std},
               {"grad_norm_mean", pos_.grad_norm_sum / batches},
               {"grad_norm_max", pos_.grad_norm_max},
               {"clipped_frac", pos_.clipped / batches}};
  for (const auto& [tensor, error] : errors) row.extra.emplace_back("qerr." + tensor, error);
  results_->append_epoch(row);
  pos_.tokens_per_s_sum += tokens_per_s;
  char buf[240];
  std::snprintf(buf, sizeof buf,
                "epoch %d/%d done: lr %.4g train ppl %.2f valid ppl %.2f tok/s %.0f grad norm "
                "%.3g (max %.3g, %.0f%% clipped) (%s)",
                pos_.epoch, epochs, lr, std::exp(train_loss), valid_ppl, tokens_per_s,
                pos_.grad_norm_sum / batches, pos_.grad_norm_max, 100.0 * pos_.clipped / batches,
                format_duration(pos_.wall_s).c_str());
  progress_.line(buf);

  final_.best_valid_ppl = pos_.best_valid, final_.best_epoch = pos_.best_epoch;
  final_.epochs_run = pos_.epoch;
  pos_.start_epoch();
  // Every epoch starts from a zero state, as in Zaremba et al. and PyTorch's
  // word_language_model: the carried state never crosses the end of the corpus.
  state_ = model_->initial_state(cfg_.data.batch_size);
  save_checkpoint();  // resumes at the first window of the next epoch
  write_summary(status::kRunning);
  return true;
}

void Run::save_best(int epoch, double valid_ppl) {
  CheckpointWriter best;
  best("params", model_->parameters().values());
  best("epoch", epoch);
  best("valid_ppl", valid_ppl);
  best.checkpoint().save(ckpt_dir_ + "/best.ckpt");
}

bool Run::validate_initial() {
  const auto valid =
      evaluate(valid_, validation_seed(cfg_.seed, 0), Pass::evaluate(), configured_passes());
  if (!valid) return result_ = interrupted(), false;  // nothing trained: a resume starts over
  if (!std::isfinite(valid->mean))
    return result_ = diverge("validation perplexity of the initial model is " +
                             std::to_string(valid->mean)),
           false;
  pos_.best_valid = valid->mean;
  final_.best_valid_ppl = valid->mean, final_.best_epoch = 0;
  save_best(0, valid->mean);
  char buf[160];
  std::snprintf(buf, sizeof buf, "epoch 0 (no training): valid ppl %.2f", valid->mean);
  progress_.line(buf);
  return true;
}

bool Run::test() {
  auto& params = model_->parameters().values();
  const LoadedCheckpoint best = load_checkpoint_file(ckpt_dir_ + "/best.ckpt");
  for (const std::string& note : best.notes) progress_.line(note);
  params = best.checkpoint.floats("params", params.size());
  const uint64_t seed = test_seed(cfg_.seed);
  // The headline, as configured.
  const auto headline = evaluate(test_, seed, Pass::evaluate(), configured_passes());
  if (!headline) return false;
  final_.test_ppl = headline->mean, final_.test_ppl_std = headline->std;
  final_.eval_samples = headline->passes;
  final_.eval_mode = eval_mode_label(*model_);
  // A model with stochastic quantizers: every evaluation mode beside it (deterministic is the
  // hardware meaning; sample the spread of the noise; expectation a diagnostic).
  final_.test_by_mode.clear();
  if (model_->stochastic())
    for (EvalMode mode : {EvalMode::kDeterministic, EvalMode::kSample, EvalMode::kExpectation}) {
      const int passes = mode == EvalMode::kSample ? cfg_.quant.eval_samples : 1;
      const bool same = final_.eval_mode == eval_mode_name(mode) && passes == headline->passes;
      const auto p = same ? headline : evaluate(test_, seed, Pass::evaluate(mode), passes);
      if (!p) return false;
      final_.test_by_mode.push_back({eval_mode_name(mode), p->mean, p->std, p->passes});
    }
  return true;
}

RunResult Run::interrupted() {
  progress_.line("interrupted: checkpoint written, continue with hitnet-run --resume " +
                 opt_.run_dir);
  write_summary(status::kInterrupted);
  RunResult result;
  result.status = RunStatus::kInterrupted;
  return result;
}

RunResult Run::diverge(const std::string& why) {
  progress_.line("diverged: " + why);
  reason_ = why;
  results_->finish(final_, status::kDiverged);
  write_summary(status::kDiverged);
  RunResult result;
  result.status = RunStatus::kDiverged;
  return result;
}

void Run::fail(const std::string& why) noexcept {
  try {
    progress_.line("failed: " + why);
    reason_ = why;
    write_summary(status::kFailed);
    results_->finish(final_, status::kFailed);
  } catch (...) {  // the disk that failed the run may fail these too; the error is reported
  }
}

void Run::write_summary(std::string_view run_status) {
  auto s = summary_of(info_, final_, std::string(run_status),
                      run_status == status::kRunning ? "" : utc_timestamp());
  s["name"] = cfg_.name;
  s["epochs"] = final_.epochs_run;
  s["train_tokens_per_s"] = final_.epochs_run > 0 ? pos_.tokens_per_s_sum / final_.epochs_run : 0.0;
  s["wall_s"] = pos_.wall_s;
  s["threads"] = omp_get_max_threads();
  s["gemm_backend"] = kGemmBackend;
  s["gemm_kernel"] = gemm_kernel();
  if (const std::string own = openblas_fallback_kernel(); !own.empty())
    s["openblas_own_kernel"] = own;  // the generic kernel it restarted away from
  s["peak_rss_mb"] = peak_rss_mb();
  if (!reason_.empty()) s["reason"] = reason_;
  write_summary_json(opt_.run_dir + "/summary.json", s);
}

RunResult Run::run() {
  wall_before_ = pos_.wall_s, session_start_ = Clock::now();
  if (pos_.best_epoch > 0)  // resumed: what the finished epochs established
    final_.best_valid_ppl = pos_.best_valid, final_.best_epoch = pos_.best_epoch;
  final_.epochs_run = pos_.epoch - 1;
  if (cfg_.train.epochs == 0 && !validate_initial()) return *result_;
  while (pos_.epoch <= cfg_.train.epochs)
    if (!train_epoch() || !end_epoch()) return *result_;

  // The last epoch's checkpoint already resumes here: a stop during the test just exits.
  if (!test()) return interrupted();
  pos_.wall_s = wall_before_ + seconds_since(session_start_);
  results_->finish(final_, status::kFinished);
  write_summary(status::kFinished);
  char buf[200];
  std::snprintf(buf, sizeof buf, "valid ppl %.2f test ppl %.2f (%s)", pos_.best_valid,
                final_.test_ppl, final_.eval_mode.c_str());
  progress_.line(buf);
  if (final_.eval_samples > 1) {
    std::snprintf(buf, sizeof buf, "test ppl over %d sampled passes: %.2f ± %.2f",
                  final_.eval_samples, final_.test_ppl, final_.test_ppl_std);
    progress_.line(buf);
  }
  for (const ModePerplexity& m : final_.test_by_mode) {
    std::snprintf(buf, sizeof buf, "  test ppl, %s evaluation: %.2f", m.mode.c_str(), m.ppl);
    std::string line = buf;
    if (m.passes > 1) {
      std::snprintf(buf, sizeof buf, " ± %.2f over %d passes", m.std, m.passes);
      line += buf;
    }
    progress_.line(line);
  }
  progress_.line("results: " + opt_.run_dir);
  RunResult result;
  result.best_valid_ppl = pos_.best_valid, result.test_ppl = final_.test_ppl,
  result.test_ppl_std = final_.test_ppl_std;
  result.epochs_run = cfg_.train.epochs;
  result.train_tokens_per_s =
      cfg_.train.epochs > 0 ? pos_.tokens_per_s_sum / cfg_.train.epochs : 0.0;
  return result;
}

}  // namespace

RunResult train(const Config& cfg, const TrainerOptions& options) {
  set_thread_count(cfg.threads);
  Run run(cfg, options);
  try {
    return run.run();
  } catch (const std::exception& e) {
    run.fail(e.what());
    throw;
  }
}

}  // namespace hitnet
