#include "core/data/vocab.hpp"

namespace hitnet {

int32_t Vocab::add(std::string_view word) {
  if (auto it = ids_.find(word); it != ids_.end()) return it->second;
  const auto id = static_cast<int32_t>(words_.size());
  words_.emplace_back(word);
  ids_.emplace(words_.back(), id);
  return id;
}

std::optional<int32_t> Vocab::find(std::string_view word) const {
  if (auto it = ids_.find(word); it != ids_.end()) return it->second;
  return std::nullopt;
}

}  // namespace hitnet
