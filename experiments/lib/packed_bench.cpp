#include "experiments/lib/packed_bench.hpp"

#include <omp.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <span>

#include "core/infer/packed_format.hpp"
#include "core/infer/scaled_ternary_product.hpp"
#include "core/infer/session.hpp"
#include "experiments/lib/build_model.hpp"
#include "experiments/lib/packed_export.hpp"

namespace hitnet {
namespace {

// CPU seconds of this thread: on a shared machine the time the measured code actually ran
// (every path measured here runs on this one thread), not the time other processes took.
double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Calls per CPU second of `call`, the best of three runs of `seconds` / 3 each after a warm-up
// (the best run is the one other processes disturbed least, through the caches they share).
template <typename Call>
double calls_per_second(Call call, double seconds) {
  call();
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    long long calls = 0;
    const double start = thread_seconds();
    double elapsed = 0;
    do {
      call();
      ++calls;
      elapsed = thread_seconds() - start;
    } while (elapsed < seconds / 3);
    best = std::max(best, double(calls) / elapsed);
  }
  return best;
}

// Both engines' figures at one batch size.
struct Figures {
  double product_us = 0;       // W_hh of layer 0 times one step's batch of states
  double step_tokens_s = 0;    // the recurrent step
  double output_tokens_s = 0;  // the step with its output, token by token (step())
  double eval_tokens_s = 0;    // whole evaluation, as hitnet-eval runs it (steps() per window)
};

// Random token ids, `steps` steps of `batch` streams, cycled through by the measurements.
class TokenStream {
 public:
  TokenStream(int vocab, int batch, uint64_t seed) : batch_(batch) {
    Rng rng(seed);
    ids_.resize(std::size_t(kSteps) * (batch + 1));
    for (auto& id : ids_) id = int32_t(rng() % uint64_t(vocab));
  }
  std::span<const int32_t> next() {
    step_ = (step_ + 1) % kSteps;
    return {ids_.data() + std::size_t(step_) * batch_, std::size_t(batch_)};
  }
  int32_t target(int b) const { return ids_[std::size_t(step_ + 1) * batch_ + std::size_t(b)]; }

 private:
  static constexpr int kSteps = 997;
  int batch_, step_ = 0;
  std::vector<int32_t> ids_;
};

Figures measure(const infer::PackedModel& model, infer::Engine engine, int batch, int bptt,
                double seconds) {
  Figures f;
  infer::Session session(model, batch, engine);
  TokenStream tokens(model.vocab, batch, 7);
  // Bring the states to what a running model has, then time.
  for (int k = 0; k < 50; ++k) session.advance(tokens.next());
  f.step_tokens_s = batch * calls_per_second([&] { session.advance(tokens.next()); }, seconds);
  double sink = 0;  // the log-probabilities are read, as an evaluation would
  f.output_tokens_s = batch * calls_per_second(
                                  [&] {
                                    session.step(tokens.next());
                                    for (int b = 0; b < batch; ++b)
                                      sink -= session.log_probs(b)[std::size_t(tokens.target(b))];
                                  },
                                  seconds);
  std::vector<int32_t> window(std::size_t(bptt) * batch);
  for (auto& id : window) id = tokens.next()[0];
  f.eval_tokens_s =
      bptt * batch *
      calls_per_second(
          [&] {
            session.steps(window);
            for (int t = 0; t < bptt; ++t)
              for (int b = 0; b < batch; ++b)
                sink -= session.log_probs(b, t)[std::size_t(window[std::size_t(t) * batch + b])];
          },
          seconds);
  if (sink == 12345.0) std::printf(" ");  // keep the log-probabilities alive

  // The W_hh product alone, on a state of the right kind.
  const auto& w = model.layers[0].w_hh;
  const int H = model.hidden;
  Eigen::MatrixXf h = Eigen::MatrixXf::Zero(H, batch), out;
  Rng rng(8);
  for (Eigen::Index k = 0; k < h.size(); ++k)
    h.data()[k] = model.hidden_ternary(0) ? float(int(rng() % 3) - 1)
                                          : float(int(rng() % 2001) - 1000) / 1000.0f;
  double products = 0;
  if (engine == infer::Engine::kFloat32Gemm || !infer::is_ternary(w)) {
    Eigen::MatrixXf dense(rows_of(w), H);
    for (int r = 0; r < dense.rows(); ++r)
      for (int c = 0; c < H; ++c)
        if (const auto* t = std::get_if<infer::TernaryMatrix>(&w))
          dense(r, c) = t->weight(r, c);
        else
          dense(r, c) = std::get<infer::FloatMatrix>(w).row(r)[c];
    products = calls_per_second([&] { out.noalias() = dense * h; }, seconds);
  } else {  // as a session multiplies: prepared once, then kernels, scales, diagonal
    const auto& t = std::get<infer::TernaryMatrix>(w);
    infer::TernaryPlanes planes;
    if (model.hidden_ternary(0)) {
      planes.resize(batch, t.words);
      for (int b = 0; b < batch; ++b) planes.set(b, h.col(b).data(), H);
    }
    infer::ScaledTernaryProduct product(infer::best_isa(), t, model.hidden_ternary(0));
    products = calls_per_second([&] { product(h, &planes, out); }, seconds);
  }
  f.product_us = 1e6 / products;
  return f;
}

// The trainer's own evaluation (LanguageModel::evaluate, deterministic) in windows of bptt.
double trainer_eval_tokens_s(const Config& cfg, LanguageModel& model, int vocab, int batch,
                             double seconds) {
  const int steps = cfg.data.bptt;
  Rng rng(9);
  std::vector<int32_t> inputs(std::size_t(steps) * batch), targets(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k)
    inputs[k] = int32_t(rng() % uint64_t(vocab)), targets[k] = int32_t(rng() % uint64_t(vocab));
  const Window w{steps, batch, inputs.data(), targets.data()};
  ModelState state = model.initial_state(batch);
  const Pass pass = Pass::evaluate(EvalMode::kDeterministic);
  return steps * batch * calls_per_second([&] { model.evaluate(w, state, rng, pass); }, seconds);
}

}  // namespace

nlohmann::json run_packed_bench(const Config& cfg, int vocab, double seconds) {
  auto model = build_model(cfg, vocab);
  Rng rng(cfg.seed);
  model->init_uniform(static_cast<float>(cfg.model.init_range), rng);
  std::vector<std::string> words;
  for (int k = 0; k < vocab; ++k) words.push_back("w" + std::to_string(k));
  const infer::PackedModel packed = pack_model(cfg, *model, words);
  const std::size_t file_bytes = infer::serialize_packed(packed).size();
  const std::size_t float_bytes = packed.parameter_count() * sizeof(float);
  const double recurrent = double(packed.recurrent_weight_bytes());
  const double recurrent_fp32 = double(packed.recurrent_weight_float32_bytes());

  // One thread for every path: the embedded case, and a fair comparison.
  const int eigen_threads = Eigen::nbThreads(), omp_threads = omp_get_max_threads();
  Eigen::setNbThreads(1);
  omp_set_num_threads(1);
  const double each = std::max(0.6, seconds / 10);
  std::printf(
      "packed path: %s %dx%d, embedding %d, vocab %d (random weights), hidden state %s, "
      "ternary kernels %s, 1 thread, per CPU second\n",
      cfg.model.cell.c_str(), cfg.model.layers, cfg.model.hidden, cfg.model.embedding, vocab,
      packed.hidden_ternary(0) ? "ternary" : "float", infer::isa_name(infer::best_isa()));
  std::printf("model bytes: packed file %zu, float32 %zu (%.2fx)\n", file_bytes, float_bytes,
              double(file_bytes) / double(float_bytes));
  std::printf("recurrent weights (W_ih, W_hh): packed %.0f bytes, float32 %.0f bytes (1/%.1f)\n",
              recurrent, recurrent_fp32, recurrent_fp32 / recurrent);
  nlohmann::json j = {{"file_bytes", file_bytes},
                      {"float32_bytes", float_bytes},
                      {"recurrent_weight_bytes", recurrent},
                      {"recurrent_weight_float32_bytes", recurrent_fp32},
                      {"kernels", infer::isa_name(infer::best_isa())},
                      {"hidden_ternary", packed.hidden_ternary(0)},
                      {"threads", 1}};
  std::printf("%-8s %-34s %14s %14s %9s\n", "batch", "measure", "packed", "float32", "speed-up");
  for (int batch : {1, 10}) {
    const Figures t = measure(packed, infer::Engine::kTernary, batch, cfg.data.bptt, each);
    const Figures f = measure(packed, infer::Engine::kFloat32Gemm, batch, cfg.data.bptt, each);
    const double trainer = trainer_eval_tokens_s(cfg, *model, vocab, batch, each);
    std::printf("%-8d %-34s %14.2f %14.2f %8.2fx\n", batch, "W_hh product (us per step)",
                t.product_us, f.product_us, f.product_us / t.product_us);
    std::printf("%-8d %-34s %14.0f %14.0f %8.2fx\n", batch, "recurrent step (tokens/s)",
                t.step_tokens_s, f.step_tokens_s, t.step_tokens_s / f.step_tokens_s);
    std::printf("%-8d %-34s %14.0f %14.0f %8.2fx\n", batch, "step with output (tokens/s)",
                t.output_tokens_s, f.output_tokens_s, t.output_tokens_s / f.output_tokens_s);
    std::printf("%-8d %-34s %14.0f %14.0f %8.2fx\n", batch, "whole evaluation (tokens/s)",
                t.eval_tokens_s, f.eval_tokens_s, t.eval_tokens_s / f.eval_tokens_s);
    std::printf("%-8d %-34s %14s %14.0f\n", batch, "trainer's evaluate (tokens/s)", "", trainer);
    j["batch" + std::to_string(batch)] = {
        {"w_hh_product_us", {{"packed", t.product_us}, {"float32", f.product_us}}},
        {"recurrent_step_tokens_per_s",
         {{"packed", t.step_tokens_s}, {"float32", f.step_tokens_s}}},
        {"step_with_output_tokens_per_s",
         {{"packed", t.output_tokens_s}, {"float32", f.output_tokens_s}}},
        {"eval_tokens_per_s", {{"packed", t.eval_tokens_s}, {"float32", f.eval_tokens_s}}},
        {"trainer_eval_tokens_per_s", trainer}};
  }
  Eigen::setNbThreads(eigen_threads);
  omp_set_num_threads(omp_threads);
  return j;
}

}  // namespace hitnet
