#pragma once
// sha256 of corpus files, checked against a `sha256sum`-format SHA256SUMS in the corpus folder.
#include <filesystem>
#include <string>
#include <string_view>

namespace hitnet {

// When `dir`/SHA256SUMS exists and lists `name` (lines "HEX  NAME", as `sha256sum` writes them,
// hashes of the decompressed text), compares it with sha256(bytes); a mismatch is a DataError
// naming the file, the expected and the actual hash. Files it does not list pass unchecked.
void verify_listed_checksum(const std::filesystem::path& dir, const std::string& name,
                            std::string_view bytes);

}  // namespace hitnet
