#pragma once
// Text -> token ids, in the two formats the corpora use.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/vocab.hpp"

namespace hitnet {

// The training split builds the vocabulary (new tokens get the next id, in order of first
// appearance); valid and test only look tokens up: an unknown token becomes `<unk>` when the
// vocabulary has it, and is a DataError naming the token, file and position otherwise.
enum class VocabUse { build, lookup };

// Mikolov's format (PTB, PTB-char, WikiText): each line's whitespace-separated tokens, then one
// `<eos>`; a blank line is a lone `<eos>`. A whitespace-only piece after the final '\n' is not a
// line (ptb.char.*.txt end in "\n "). `file` names the text in messages. A text without any
// token is a DataError.
std::vector<int32_t> tokenize_lines(std::string_view text, Vocab& vocab, VocabUse use,
                                    const std::string& file);

// text8's format at character level: every byte is a symbol, a space is spelt `_` (the word
// boundary symbol of PTB-char), no `<eos>`. A line break is a DataError (the caller drops the
// file's final '\n'). `first_char` is the 1-based position of text[0] in `file` (text8's
// splits are slices of one file), so messages point at the right character.
std::vector<int32_t> tokenize_chars(std::string_view text, Vocab& vocab, VocabUse use,
                                    const std::string& file, long first_char = 1);

}  // namespace hitnet
