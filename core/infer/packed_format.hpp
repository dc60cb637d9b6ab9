#pragma once
// The packed model file (.hnt): a PackedModel as bytes, and back. Layout, field by field, in
// docs/packed-format.md: a header (magic "HITNETPK", format version, file size), the model's
// shape and quantization scheme, the vocabulary, metadata, the tensors (ternary ones as two bit
// planes and their scales, 64-byte aligned so the file could be mapped and used in place) and a
// CRC-64 of everything before it.
//
// Reading never trusts the bytes: a file that is empty, foreign, of another format version,
// truncated, corrupt (checksum) or inconsistent (shapes, sizes, bits) is a FormatError whose
// message names the source and what is wrong; nothing is allocated before its size is checked
// against the bytes that are there.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/infer/packed_model.hpp"

namespace hitnet::infer {

struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Written: version 3 (a scale per block of rows, and W_hh's diagonal apart, in each ternary
// tensor). Read: 3, and 2 (one scale per ternary tensor).
inline constexpr uint32_t kPackedFormatVersion = 3;
inline constexpr uint32_t kOldestReadableVersion = 2;

// The file's bytes. Throws std::invalid_argument when the model is inconsistent (validate()).
std::string serialize_packed(const PackedModel& model);
// `source` names the bytes in messages (a path). Throws FormatError.
PackedModel parse_packed(std::string_view bytes, const std::string& source);
// Reads and parses a file. Throws FormatError (also when the file cannot be read).
PackedModel load_packed(const std::string& path);

}  // namespace hitnet::infer
