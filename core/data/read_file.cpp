#include "core/data/read_file.hpp"

#include <fstream>
#include <system_error>

#include "core/data/error.hpp"
#include "core/data/xz.hpp"

namespace hitnet {
namespace fs = std::filesystem;
namespace {

std::string read_bytes(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw DataError(path.string() + ": not a regular file (expected a text file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": cannot open for reading (check permissions)");
  std::string bytes(static_cast<size_t>(fs::file_size(path, ec)), '\0');
  if (ec) throw DataError(path.string() + ": cannot read: " + ec.message());
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
    throw DataError(path.string() + ": cannot read: got " + std::to_string(in.gcount()) + " of " +
                    std::to_string(bytes.size()) + " bytes");
  return bytes;
}

}  // namespace

std::string read_data_file(const fs::path& path) {
  std::error_code ec;
  fs::path xz_path = path;
  xz_path += ".xz";
  std::string bytes;
  if (fs::exists(path, ec)) {
    bytes = read_bytes(path);
  } else if (fs::exists(xz_path, ec)) {
    bytes = xz_decompress(read_bytes(xz_path), xz_path.string());
  } else {
    throw DataError(path.string() + ": file not found (nor " + xz_path.filename().string() + ")");
  }
  if (bytes.empty()) throw DataError(path.string() + ": file is empty (expected text)");
  return bytes;
}

}  // namespace hitnet
