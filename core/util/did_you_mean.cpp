#include "core/util/did_you_mean.hpp"

#include <algorithm>

namespace hitnet {
namespace {

std::string last_part(const std::string& dotted) {
  const std::size_t dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

// A typo changes a few characters: allow about one edit per four, at least one, at most three.
std::size_t allowed_edits(const std::string& word) {
  return std::clamp<std::size_t>(word.size() / 4, 1, 3);
}

// The candidate with the fewest edits (first in order on ties) if within the allowance.
std::string closest(const std::string& word, const std::vector<std::string>& candidates,
                    std::string (*part)(const std::string&)) {
  std::string best;
  std::size_t best_distance = allowed_edits(part(word)) + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(part(word), part(c));
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

std::string whole(const std::string& s) {
  return s;
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  if (std::string best = closest(word, candidates, whole); !best.empty()) return best;
  return closest(word, candidates, last_part);
}

}  // namespace hitnet
