#pragma once
// A checkpoint: named records (float arrays, numbers, strings) in one binary file, written
// atomically and checksummed. The trainer decides what goes in (parameters, optimizer moments,
// schedule, generator state, data position, carried hidden state); this file only stores and
// checks. Keeping the last two and falling back: checkpoint_files.hpp.
//
// Layout (format 2): "HITNETCK" magic, u32 format version, u64 payload length, payload, then
// the SHA-256 (32 bytes) of everything before it. Payload: u32 record count, then per record:
// u32 name length, name, u8 kind (0 floats, 1 number, 2 string), u64 byte length, bytes.
// Little-endian, as every machine this runs on. Format 1 (written before checksums) is the
// magic, the version and the payload alone; it still loads, marked as unverified.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/tensor.hpp"

namespace hitnet {

class Checkpoint {
 public:
  void put(const std::string& name, const Vector& values);
  void put(const std::string& name, double value);
  void put(const std::string& name, const std::string& value);
  void erase(const std::string& name);  // a record of any kind; nothing when absent

  // Throw std::runtime_error naming the record when it is missing or of another kind/size.
  Vector floats(const std::string& name, Eigen::Index expected_size = -1) const;
  double number(const std::string& name) const;
  const std::string& text(const std::string& name) const;
  bool has(const std::string& name) const;

  // False only for a format-1 file: it has no checksum, so damage to it cannot be detected.
  bool verified() const { return verified_; }

  void save(const std::string& path) const;  // temp file, fsync, rename
  // Throws std::runtime_error naming the file when it is missing, truncated, damaged (checksum
  // mismatch), malformed or not a checkpoint at all.
  static Checkpoint load(const std::string& path);

  // The file's bytes, and back; `source` names the bytes in errors (load() passes the path).
  std::string to_bytes() const;
  static Checkpoint from_bytes(std::string_view bytes, const std::string& source);

 private:
  std::map<std::string, Vector> floats_;
  std::map<std::string, double> numbers_;
  std::map<std::string, std::string> texts_;
  bool verified_ = true;
};

// The one-line warning for a checkpoint whose verified() is false.
std::string unverified_checkpoint_warning(const std::string& path);

}  // namespace hitnet
