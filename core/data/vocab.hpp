#pragma once
// Word <-> id mapping. Ids are given in order of first appearance in the training split.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hitnet {

class Vocab {
 public:
  int32_t add(std::string_view word);  // id of word, adding it if new
  std::optional<int32_t> find(std::string_view word) const;
  const std::string& word(int32_t id) const { return words_.at(static_cast<size_t>(id)); }
  int32_t size() const { return static_cast<int32_t>(words_.size()); }
  const std::vector<std::string>& words() const { return words_; }  // words in id order

 private:
  // Transparent hash: looking a token up by string_view allocates nothing, which keeps
  // tokenising a 5 MB corpus in the tens of milliseconds.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> words_;
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> ids_;
};

}  // namespace hitnet
