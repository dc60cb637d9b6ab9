#pragma once
// Reading one data file, transparently decompressing a shipped FILE.xz.
#include <filesystem>
#include <string>

namespace hitnet {

// The bytes of `path`; when `path` is absent but `path`.xz exists, the decompressed bytes of that
// (in memory: no temporary file, no external xz). Throws DataError naming the file when neither
// exists, it cannot be read or decompressed, or it holds no bytes at all.
std::string read_data_file(const std::filesystem::path& path);

}  // namespace hitnet
