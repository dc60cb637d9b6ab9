#pragma once
// A small generated corpus that a tiny model can learn: used by smoke and end-to-end tests.
#include <cstdint>

#include "core/data/corpus.hpp"

namespace hitnet {

// The synthetic corpus does not follow the run's seed: the data stays the same while the model's
// initialisation varies.
inline constexpr uint64_t kSyntheticSeed = 20180601;

// A first-order Markov chain over `vocab_size` words named w0, w1, ...: every word has three
// successors (distinct when vocab_size >= 3), drawn at random from `seed`, followed with
// probabilities 0.7, 0.2 and 0.1. The chain starts at w0 and runs on through train
// (`train_tokens` tokens), then valid and test (a tenth of that each, at least 100 tokens).
// Ids are the word numbers (the vocabulary lists every word even if one never occurs).
// Its entropy rate is 0.80 nats per token, so the best possible perplexity is about 2.23 (see
// synthetic_best_perplexity) against a uniform baseline of vocab_size: a model that learns the
// transitions gets far below the vocabulary size. Throws DataError for vocab_size < 2 or
// train_tokens < 2.
Corpus make_synthetic_corpus(int vocab_size, int train_tokens, uint64_t seed = kSyntheticSeed);

// exp(entropy rate) of the chain above: the perplexity of the true distribution.
double synthetic_best_perplexity();

}  // namespace hitnet
