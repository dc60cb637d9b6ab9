#include "core/util/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace hitnet {

Sha256Digest sha256(std::string_view bytes) {
  Sha256Digest digest{};
  unsigned int n = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &n, EVP_sha256(), nullptr) != 1 ||
      n != digest.size())
    throw std::runtime_error("OpenSSL failed to compute a SHA-256");
  return digest;
}

bool is_sha256_hex(std::string_view text, bool any_case) {
  return text.size() == 64 &&
         text.find_first_not_of(any_case ? "0123456789abcdefABCDEF" : "0123456789abcdef") ==
             std::string_view::npos;
}

std::string sha256_hex(std::string_view bytes) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned char byte : sha256(bytes)) {
    hex += kHexDigits[byte >> 4];
    hex += kHexDigits[byte & 0xf];
  }
  return hex;
}

}  // namespace hitnet
