#pragma once
// hitnet-eval's work: the perplexity of a packed model on a corpus split, by the trainer's
// evaluation protocol (Run::evaluate in trainer.cpp): the split batchified into the same streams
// (BatchedSplit, data.eval_batch_size), walked window after window of data.bptt steps with each
// stream's state carried across windows from the zero state, at most train.max_eval_batches
// windows when that is set. Stepping token by token with the carried state is the same
// computation as the trainer's windows, so the perplexities agree to float rounding.
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/batches.hpp"
#include "core/data/vocab.hpp"
#include "core/infer/session.hpp"

namespace hitnet {

struct PackedEvaluation {
  double nll = 0;     // summed negative log-likelihood (nats) of the targets
  double tokens = 0;  // targets scored
  int windows = 0;
  double seconds = 0;
  double perplexity() const;
};

// `tokens` (ids of `corpus_vocab`) as ids of the model's vocabulary, matched by word: the
// identity for the corpus the model was trained on. A word the model does not know becomes its
// <unk>, or is an error naming the word when the model has none.
std::vector<int32_t> to_model_ids(const std::vector<int32_t>& tokens, const Vocab& corpus_vocab,
                                  const std::vector<std::string>& model_words);

// The first `max_windows` windows of `split` (all when 0).
PackedEvaluation evaluate_packed(const infer::PackedModel& model, const BatchedSplit& split,
                                 int max_windows, infer::Engine engine = infer::Engine::kTernary,
                                 infer::Isa isa = infer::best_isa());

}  // namespace hitnet
