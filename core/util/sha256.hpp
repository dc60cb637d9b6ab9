#pragma once
// SHA-256 (OpenSSL EVP), the one hash of the project: corpus checksums, config hashes,
// checkpoint trailers and Slurm job names all use it.
#include <array>
#include <string>
#include <string_view>

namespace hitnet {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view bytes);

// Lower-case hex of sha256(bytes), as `sha256sum` prints it.
std::string sha256_hex(std::string_view bytes);

}  // namespace hitnet
