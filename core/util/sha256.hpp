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

// Whether `text` is a SHA-256 written as hex: 64 digits, lower case only unless `any_case`
// (sha256sum reads both; hitnet writes and pins lower case).
bool is_sha256_hex(std::string_view text, bool any_case = false);

}  // namespace hitnet
