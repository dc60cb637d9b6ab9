#pragma once
// Running a packed model: a batch of independent streams, each fed one token per step, each
// with its own recurrent state, each giving the log-probabilities of its next token.
//
//   PackedModel model = load_packed("model.hnt");
//   Session s(model, 1);                         // one stream
//   for (int32_t token : prompt) s.advance({&token, 1});
//   s.step({&next, 1});                          // feed a token and compute the output
//   float lp = s.log_probs(0)[candidate];        // log P(candidate | everything fed so far)
//   s.steps(text);                               // a whole text, one output per token
//
// The step follows the training code's equations exactly (core/nn/lstm.hpp, core/nn/gru.hpp)
// in its deterministic evaluation: BTQ placements round to their nearest level, nothing is
// sampled, no dropout. Products with ternary weights use the ternary kernels: ternary x ternary
// where the input is a ternary hidden state (popcounts, exact integers), ternary x float where it
// is the embedding or a full-precision state (adds and subtracts); each result is scaled by its
// row block's α once, and a diagonal apart is added (scaled_ternary_product.hpp). Full-precision
// matrices (embedding, decoder, fp weights) use Eigen. Single-threaded.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "core/infer/packed_model.hpp"
#include "core/infer/scaled_ternary_product.hpp"
#include "core/infer/ternary_kernels.hpp"

namespace hitnet::infer {

// How products with ternary weight matrices are computed.
enum class Engine {
  kTernary,      // the ternary kernels on the bit planes (what the packed format is for)
  kFloat32Gemm,  // the matrices expanded to float32 W = α·T and multiplied by Eigen's GEMM: the
                 // float32 path of the same model, for comparisons and benchmarks
};

class Session {
 public:
  // `model` must outlive the session. Throws std::invalid_argument for batch < 1 or an `isa`
  // the CPU does not support.
  Session(const PackedModel& model, int batch, Engine engine = Engine::kTernary,
          Isa isa = best_isa());
  // Copy- and move-constructible: the model it refers to lives outside it, and nothing points into
  // a session (unlike the training model, whose layers hold views into its parameter store).

  int batch() const { return batch_; }
  int vocab() const { return model_.vocab; }
  Engine engine() const { return engine_; }
  Isa isa() const { return isa_; }

  void reset();            // every stream back to the zero state
  void reset(int stream);  // one stream

  // Feeds tokens[b] to stream b (tokens.size() == batch) through the recurrent layers only:
  // conditioning on a prompt, or the recurrent step alone in a benchmark.
  void advance(std::span<const int32_t> tokens);
  // advance(), then the decoder and log-softmax.
  void step(std::span<const int32_t> tokens);
  // Several steps at once: tokens[t * batch + b] goes to stream b at step t, and the output is
  // computed after every step. The same as one step() per t, but with one decoder product for
  // all the steps instead of one per step: how to score a text fast (hitnet-eval does).
  void steps(std::span<const int32_t> tokens);
  // After step() or steps(): log P(next token = v | what stream b was fed up to step t of that
  // call) for v < vocab.
  std::span<const float> log_probs(int stream, int step = 0) const;

 private:
  using Matrix = Eigen::MatrixXf;  // column b = stream b
  struct LayerState {
    Matrix h, c;           // hidden x batch (c: LSTM only)
    TernaryPlanes planes;  // h as bit planes, when the layer's output is ternary
  };
  struct Prepared {   // what the session makes of a stored ternary matrix, once
    Matrix expanded;  // kFloat32Gemm: α·T as float32
    std::optional<ScaledTernaryProduct> ternary;  // kTernary
  };
  struct LayerWeights {
    Prepared w_ih, w_hh;
  };

  // out = W x for the batch; `planes` is x as bit planes when x is ternary, else null.
  void multiply(const WeightMatrix& w, Prepared& prepared, const Matrix& x,
                const TernaryPlanes* planes, Matrix& out);
  // Layer l's step on input x (its planes when x is ternary), updating states_[l].
  // The products every cell starts with: gates_ = W_ih x + b_ih, recurrent_ = W_hh h.
  void products(std::size_t l, const Matrix& x, const TernaryPlanes* planes);
  void lstm_step(std::size_t l, const Matrix& x, const TernaryPlanes* planes);
  void gru_step(std::size_t l, const Matrix& x, const TernaryPlanes* planes);
  void output();  // log-probabilities for the top layer's states in outputs_

  const PackedModel& model_;
  int batch_;
  Engine engine_;
  Isa isa_;
  std::vector<bool> ternary_hidden_;
  std::vector<LayerWeights> prepared_;
  std::vector<LayerState> states_;
  Matrix embedded_, gates_, recurrent_, outputs_, logits_;
  int output_steps_ = 0;  // steps of the last step() / steps() call; 0 after advance()
};

}  // namespace hitnet::infer
