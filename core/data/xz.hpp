#pragma once
// In-memory xz decompression (liblzma): shipped train splits larger than 3 MiB are stored as .xz.
#include <string>
#include <string_view>

namespace hitnet {

// Decompresses a whole .xz stream. `name` (the file it came from) appears in the DataError thrown
// for corrupt or truncated input.
std::string xz_decompress(std::string_view compressed, const std::string& name);

}  // namespace hitnet
