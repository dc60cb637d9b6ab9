#pragma once
// A checkpoint: named records (float arrays, numbers, strings) in one binary file, written
// atomically. The trainer decides what goes in (parameters, optimizer moments, schedule,
// generator state, data position, carried hidden state); this file only stores and checks.
//
// Layout: "HITNETCK" magic, u32 format version, u32 record count, then per record: u32 name
// length, name, u8 kind (0 floats, 1 number, 2 string), u64 byte length, bytes. Little-endian,
// as every machine this runs on.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/util/tensor.hpp"

namespace hitnet {

class Checkpoint {
 public:
  void put(const std::string& name, const Vector& values);
  void put(const std::string& name, double value);
  void put(const std::string& name, const std::string& value);

  // Throw std::runtime_error naming the record when it is missing or of another kind/size.
  Vector floats(const std::string& name, Eigen::Index expected_size = -1) const;
  double number(const std::string& name) const;
  const std::string& text(const std::string& name) const;
  bool has(const std::string& name) const;

  void save(const std::string& path) const;         // temp file, fsync, rename
  static Checkpoint load(const std::string& path);  // throws std::runtime_error naming the file

 private:
  std::map<std::string, Vector> floats_;
  std::map<std::string, double> numbers_;
  std::map<std::string, std::string> texts_;
};

}  // namespace hitnet
