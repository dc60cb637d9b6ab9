#include "experiments/lib/packed_eval.hpp"

#include <chrono>
#include <cmath>
#include <span>
#include <stdexcept>
#include <unordered_map>

#include "core/data/error.hpp"

namespace hitnet {

double PackedEvaluation::perplexity() const {
  return std::exp(nll / tokens);
}

std::vector<int32_t> to_model_ids(const std::vector<int32_t>& tokens, const Vocab& corpus_vocab,
                                  const std::vector<std::string>& model_words) {
  std::unordered_map<std::string_view, int32_t> model_ids;
  for (std::size_t k = 0; k < model_words.size(); ++k)
    model_ids.emplace(model_words[k], int32_t(k));
  const auto unk = model_ids.find("<unk>");
  std::vector<int32_t> id_of(std::size_t(corpus_vocab.size()));
  for (int32_t k = 0; k < corpus_vocab.size(); ++k) {
    const std::string& word = corpus_vocab.word(k);
    if (auto it = model_ids.find(word); it != model_ids.end())
      id_of[std::size_t(k)] = it->second;
    else if (unk != model_ids.end())
      id_of[std::size_t(k)] = unk->second;
    else
      id_of[std::size_t(k)] = -1;  // an error only if the word occurs in `tokens`
  }
  std::vector<int32_t> out(tokens.size());
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    out[k] = id_of[std::size_t(tokens[k])];
    if (out[k] < 0)
      throw DataError("the word '" + corpus_vocab.word(tokens[k]) + "' (token " +
                      std::to_string(k) + " of the split) is not in the model's vocabulary, " +
                      "which has no <unk>");
  }
  return out;
}

PackedEvaluation evaluate_packed(const infer::PackedModel& model, const BatchedSplit& split,
                                 int max_windows, infer::Engine engine, infer::Isa isa) {
  const auto start = std::chrono::steady_clock::now();
  infer::Session session(model, split.batch(), engine, isa);
  PackedEvaluation e;
  e.windows = max_windows > 0 ? std::min(split.num_windows(), max_windows) : split.num_windows();
  const auto B = std::size_t(split.batch());
  for (int k = 0; k < e.windows; ++k) {
    const Window w = split.window(k);
    session.steps(std::span<const int32_t>(w.inputs, std::size_t(w.len) * B));
    for (int t = 0; t < w.len; ++t)
      for (std::size_t b = 0; b < B; ++b)
        e.nll -= session.log_probs(int(b), t)[std::size_t(w.targets[std::size_t(t) * B + b])];
    e.tokens += double(w.len) * w.batch;
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace hitnet
