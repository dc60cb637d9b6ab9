#pragma once
// Suggestions for misspelt names: "model.hiden" -> "model.hidden".
#include <string>
#include <vector>

namespace hitnet {

// Optimal string alignment distance: insertions, deletions, substitutions, and swaps of
// neighbours each count as one edit ("hidedn" -> "hidden" is one).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word`, or "" when none is close enough to be a likely typo.
// Dotted names are also matched on their last part, so "hidden" (at the wrong level) finds
// "model.hidden".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hitnet
