#include "core/data/checksum.hpp"

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/data/error.hpp"
#include "core/util/sha256.hpp"

namespace hitnet {
namespace fs = std::filesystem;
namespace {

// The hash SHA256SUMS gives for `name`, if it lists it. Malformed lines are errors: a checksum
// file that cannot be read must not silently turn checking off.
std::optional<std::string> listed_sha256(const fs::path& sums_path, const std::string& name) {
  std::ifstream in(sums_path);
  if (!in) throw DataError(sums_path.string() + ": cannot open for reading");
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    // "HEX  NAME" (text mode) or "HEX *NAME" (binary mode); 64 hex digits.
    const bool well_formed = line.size() > 66 && line[64] == ' ' &&
                             (line[65] == ' ' || line[65] == '*') &&
                             is_sha256_hex(std::string_view(line).substr(0, 64), true);
    if (!well_formed)
      throw DataError(sums_path.string() + ":" + std::to_string(line_no) +
                      ": expected '<64 hex digits>  <file name>' as sha256sum writes it");
    if (line.compare(66, std::string::npos, name) == 0) {
      std::string hex = line.substr(0, 64);
      for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return hex;
    }
  }
  return std::nullopt;
}

}  // namespace

void verify_listed_checksum(const fs::path& dir, const std::string& name, std::string_view bytes) {
  const fs::path sums_path = dir / "SHA256SUMS";
  std::error_code ec;
  if (!fs::exists(sums_path, ec)) return;
  const auto expected = listed_sha256(sums_path, name);
  if (!expected) return;
  const std::string actual = sha256_hex(bytes);
  if (actual != *expected)
    throw DataError((dir / name).string() + ": checksum mismatch: SHA256SUMS expects sha256 " +
                    *expected + " but the (decompressed) file has " + actual +
                    "; the file is damaged or was changed (set data.verify_checksum=false to "
                    "load it anyway)");
}

}  // namespace hitnet
