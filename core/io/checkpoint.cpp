#include "core/io/checkpoint.hpp"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/io/atomic_file.hpp"

namespace hitnet {
namespace {

constexpr char kMagic[8] = {'H', 'I', 'T', 'N', 'E', 'T', 'C', 'K'};
constexpr uint32_t kFormatVersion = 1;
enum Kind : uint8_t { kFloats = 0, kNumber = 1, kText = 2 };

template <typename T>
void put_raw(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from a byte buffer, failing with the file's name when it runs short.
struct Reader {
  const std::string& bytes;
  const std::string& path;
  std::size_t pos = 0;
  const char* take(std::size_t n) {
    if (bytes.size() - pos < n) throw std::runtime_error(path + ": checkpoint is truncated");
    const char* p = bytes.data() + pos;
    pos += n;
    return p;
  }
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
};

}  // namespace

void Checkpoint::put(const std::string& name, const Vector& values) {
  floats_[name] = values;
}
void Checkpoint::put(const std::string& name, double value) {
  numbers_[name] = value;
}
void Checkpoint::put(const std::string& name, const std::string& value) {
  texts_[name] = value;
}

bool Checkpoint::has(const std::string& name) const {
  return floats_.count(name) || numbers_.count(name) || texts_.count(name);
}

Vector Checkpoint::floats(const std::string& name, Eigen::Index expected_size) const {
  auto it = floats_.find(name);
  if (it == floats_.end()) throw std::runtime_error("checkpoint has no array '" + name + "'");
  if (expected_size >= 0 && it->second.size() != expected_size)
    throw std::runtime_error("checkpoint array '" + name + "' has " +
                             std::to_string(it->second.size()) + " values, the model expects " +
                             std::to_string(expected_size) + " (different config?)");
  return it->second;
}

double Checkpoint::number(const std::string& name) const {
  auto it = numbers_.find(name);
  if (it == numbers_.end()) throw std::runtime_error("checkpoint has no number '" + name + "'");
  return it->second;
}

const std::string& Checkpoint::text(const std::string& name) const {
  auto it = texts_.find(name);
  if (it == texts_.end()) throw std::runtime_error("checkpoint has no text '" + name + "'");
  return it->second;
}

void Checkpoint::save(const std::string& path) const {
  std::string out(kMagic, sizeof kMagic);
  put_raw(out, kFormatVersion);
  put_raw(out, static_cast<uint32_t>(floats_.size() + numbers_.size() + texts_.size()));
  auto record = [&out](const std::string& name, Kind kind, const void* data, uint64_t bytes) {
    put_raw(out, static_cast<uint32_t>(name.size()));
    out += name;
    put_raw(out, static_cast<uint8_t>(kind));
    put_raw(out, bytes);
    out.append(static_cast<const char*>(data), bytes);
  };
  for (const auto& [name, v] : floats_)
    record(name, kFloats, v.data(), static_cast<uint64_t>(v.size()) * sizeof(float));
  for (const auto& [name, v] : numbers_) record(name, kNumber, &v, sizeof v);
  for (const auto& [name, v] : texts_) record(name, kText, v.data(), v.size());
  write_file_atomically(path, out);
}

Checkpoint Checkpoint::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open checkpoint");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  Reader r{bytes, path};
  if (std::memcmp(r.take(sizeof kMagic), kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(path + ": not a hitnet checkpoint");
  if (auto v = r.get<uint32_t>(); v != kFormatVersion)
    throw std::runtime_error(path + ": checkpoint format " + std::to_string(v) + ", expected " +
                             std::to_string(kFormatVersion));
  Checkpoint ck;
  const auto count = r.get<uint32_t>();
  for (uint32_t k = 0; k < count; ++k) {
    const auto name_len = r.get<uint32_t>();
    const std::string name(r.take(name_len), name_len);
    const auto kind = r.get<uint8_t>();
    const auto len = r.get<uint64_t>();
    const char* data = r.take(len);
    if (kind == kFloats) {
      Vector v(static_cast<Eigen::Index>(len / sizeof(float)));
      std::memcpy(v.data(), data, len);
      ck.floats_[name] = std::move(v);
    } else if (kind == kNumber && len == sizeof(double)) {
      std::memcpy(&ck.numbers_[name], data, sizeof(double));
    } else if (kind == kText) {
      ck.texts_[name] = std::string(data, len);
    } else {
      throw std::runtime_error(path + ": checkpoint record '" + name + "' is malformed");
    }
  }
  return ck;
}

}  // namespace hitnet
