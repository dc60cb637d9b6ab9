// Fuzz target: the bytes of a checkpoint file. Read as they are (the header, format 1's
// unchecked records), and once more wrapped as a format-2 file with a valid checksum, so the
// record parser behind the checksum is fuzzed too. Either a Checkpoint or a std::runtime_error
// naming the file; anything else (std::bad_alloc, a crash) is a bug.
#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/io/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    hitnet::Checkpoint::from_bytes(bytes, "fuzz.ckpt");
  } catch (const std::runtime_error&) {
  }
  std::string wrapped("HITNETCK", 8);
  const uint32_t version = 2;
  const uint64_t length = size;
  wrapped.append(reinterpret_cast<const char*>(&version), sizeof version);
  wrapped.append(reinterpret_cast<const char*>(&length), sizeof length);
  wrapped += bytes;
  unsigned char digest[32];
  unsigned int n = 0;
  EVP_Digest(wrapped.data(), wrapped.size(), digest, &n, EVP_sha256(), nullptr);
  wrapped.append(reinterpret_cast<const char*>(digest), n);
  try {
    hitnet::Checkpoint::from_bytes(wrapped, "fuzz.ckpt");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
