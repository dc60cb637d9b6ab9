#include "core/data/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>

namespace hitnet {
namespace {

constexpr std::array<double, 3> kSuccessorProbability = {0.7, 0.2, 0.1};

// Raw engine output only (no std:: distributions, whose results differ between standard
// libraries): the corpus is the same on every platform.
int uniform_below(std::mt19937_64& rng, int n) {
  return static_cast<int>(rng() % static_cast<uint64_t>(n));
}
double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

Corpus make_synthetic_corpus(int vocab_size, int train_tokens, uint64_t seed) {
  if (vocab_size < 2 || train_tokens < 2)
    throw DataError(
        "synthetic corpus: needs data.synthetic_vocab >= 2 and data.synthetic_tokens >= 2 (got " +
        std::to_string(vocab_size) + " and " + std::to_string(train_tokens) + ")");
  std::mt19937_64 rng(seed);
  const size_t successors_per_word = kSuccessorProbability.size();
  std::vector<std::array<int, kSuccessorProbability.size()>> successors(
      static_cast<size_t>(vocab_size));
  for (auto& next : successors) {
    for (size_t k = 0; k < successors_per_word; ++k) {
      bool repeated;
      do {
        next[k] = uniform_below(rng, vocab_size);
        repeated = false;
        for (size_t j = 0; j < k; ++j) repeated |= next[j] == next[k];
      } while (repeated && vocab_size >= 3);
    }
  }

  Corpus corpus;
  corpus.name = "synthetic";
  for (int w = 0; w < vocab_size; ++w) corpus.vocab.add("w" + std::to_string(w));

  int state = 0;
  auto generate = [&](int count) {
    std::vector<int32_t> tokens(static_cast<size_t>(count));
    for (auto& token : tokens) {
      token = state;
      double u = uniform_unit(rng);
      size_t k = 0;
      while (k + 1 < successors_per_word && u >= kSuccessorProbability[k])
        u -= kSuccessorProbability[k++];
      state = successors[static_cast<size_t>(state)][k];
    }
    return tokens;
  };
  const int eval_tokens = std::max(100, train_tokens / 10);
  corpus.train = generate(train_tokens);
  corpus.valid = generate(eval_tokens);
  corpus.test = generate(eval_tokens);
  return corpus;
}

double synthetic_best_perplexity() {
  double entropy = 0;
  for (double p : kSuccessorProbability) entropy -= p * std::log(p);
  return std::exp(entropy);
}

}  // namespace hitnet
