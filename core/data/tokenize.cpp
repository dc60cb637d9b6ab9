#include "core/data/tokenize.hpp"

#include <algorithm>
#include <optional>

#include "core/data/error.hpp"

namespace hitnet {
namespace {

constexpr std::string_view kWhitespace = " \t\r\v\f";

// Maps one token to its id according to `use`; `position` ("line" or "character") says what
// the number passed along with each token counts, for the error message.
class TokenIds {
 public:
  TokenIds(Vocab& vocab, VocabUse use, const std::string& file, const char* position)
      : vocab_(vocab), use_(use), file_(file), position_(position), unk_(vocab.find("<unk>")) {}

  int32_t operator()(std::string_view token, long where) {
    if (use_ == VocabUse::build) return vocab_.add(token);
    if (auto id = vocab_.find(token)) return *id;
    if (unk_) return *unk_;
    throw DataError(file_ + ": " + position_ + " " + std::to_string(where) + ": token '" +
                    std::string(token) +
                    "' is not in the vocabulary built from the training split, and the "
                    "vocabulary has no <unk> to map it to");
  }

 private:
  Vocab& vocab_;
  VocabUse use_;
  const std::string& file_;
  const char* position_;
  std::optional<int32_t> unk_;
};

DataError no_tokens(const std::string& file) {
  return DataError(file + ": no tokens (the file holds only whitespace)");
}

}  // namespace

std::vector<int32_t> tokenize_lines(std::string_view text, Vocab& vocab, VocabUse use,
                                    const std::string& file) {
  TokenIds ids(vocab, use, file, "line");
  std::vector<int32_t> tokens;
  tokens.reserve(text.size() / 4);  // PTB averages about 5.5 bytes per token
  size_t words = 0;
  long line_no = 1;
  for (size_t pos = 0; pos < text.size(); ++line_no) {
    const size_t newline = text.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t start = line.find_first_not_of(kWhitespace);
    if (newline == std::string_view::npos && start == std::string_view::npos) break;
    while (start != std::string_view::npos) {
      const size_t stop = std::min(line.find_first_of(kWhitespace, start), line.size());
      tokens.push_back(ids(line.substr(start, stop - start), line_no));
      ++words;
      start = line.find_first_not_of(kWhitespace, stop);
    }
    tokens.push_back(ids("<eos>", line_no));
  }
  if (words == 0) throw no_tokens(file);
  return tokens;
}

std::vector<int32_t> tokenize_chars(std::string_view text, Vocab& vocab, VocabUse use,
                                    const std::string& file, long first_char) {
  if (const size_t newline = text.find('\n'); newline != std::string_view::npos)
    throw DataError(file + ": line break at character " +
                    std::to_string(first_char + static_cast<long>(newline)) +
                    ": text8's format is a single line of words separated by spaces");
  if (text.find_first_not_of(kWhitespace) == std::string_view::npos) throw no_tokens(file);
  TokenIds ids(vocab, use, file, "character");
  std::vector<int32_t> tokens;
  tokens.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const long where = first_char + static_cast<long>(i);
    tokens.push_back(text[i] == ' ' ? ids("_", where) : ids(text.substr(i, 1), where));
  }
  return tokens;
}

}  // namespace hitnet
