#include "core/io/checkpoint.hpp"
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/io/atomic_file.hpp"
#include "core/util/sha256.hpp"

namespace hitnet {
namespace {

constexpr char kMagic[8] = {'H', 'I', 'T', 'N', 'E', 'T', 'C', 'K'};
constexpr uint32_t kUncheckedFormat = 1;  // before checksums: still read, never written
constexpr uint32_t kFormatVersion = 2;
constexpr std::size_t kDigestBytes = 32;                     // SHA-256
constexpr std::size_t kHeaderBytes = sizeof kMagic + 4 + 8;  // magic, version, payload length
enum Kind : uint8_t { kFloats = 0, kNumber = 1, kText = 2 };

using Digest = Sha256Digest;
static_assert(sizeof(Digest) == kDigestBytes);

template <typename T>
void put_raw(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from a byte buffer, failing with the source's name when it runs short.
struct Reader {
  std::string_view bytes;
  const std::string& source;
  std::size_t pos = 0;
  const char* take(std::size_t n) {
    if (bytes.size() - pos < n) throw std::runtime_error(source + ": checkpoint is truncated");
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

void Checkpoint::erase(const std::string& name) {
  floats_.erase(name), numbers_.erase(name), texts_.erase(name);
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

std::string Checkpoint::to_bytes() const {
  std::string payload;
  put_raw(payload, static_cast<uint32_t>(floats_.size() + numbers_.size() + texts_.size()));
  auto record = [&payload](const std::string& name, Kind kind, const void* data, uint64_t bytes) {
    put_raw(payload, static_cast<uint32_t>(name.size()));
    payload += name;
    put_raw(payload, static_cast<uint8_t>(kind));
    put_raw(payload, bytes);
    payload.append(static_cast<const char*>(data), bytes);
  };
  for (const auto& [name, v] : floats_)
    record(name, kFloats, v.data(), static_cast<uint64_t>(v.size()) * sizeof(float));
  for (const auto& [name, v] : numbers_) record(name, kNumber, &v, sizeof v);
  for (const auto& [name, v] : texts_) record(name, kText, v.data(), v.size());

  std::string out(kMagic, sizeof kMagic);
  out.reserve(kHeaderBytes + payload.size() + kDigestBytes);
  put_raw(out, kFormatVersion);
  put_raw(out, static_cast<uint64_t>(payload.size()));
  out += payload;
  const Digest digest = sha256(out);
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return out;
}

Checkpoint Checkpoint::from_bytes(std::string_view bytes, const std::string& source) {
  Reader r{bytes, source};
  if (bytes.empty()) throw std::runtime_error(source + ": checkpoint is empty (0 bytes)");
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(source + ": not a hitnet checkpoint (damaged, or another file)");
  r.take(sizeof kMagic);
  const auto version = r.get<uint32_t>();
  Checkpoint ck;
  std::string_view payload;
  if (version == kFormatVersion) {
    const auto length = r.get<uint64_t>();
    const std::size_t have = bytes.size() - kHeaderBytes;
    if (have < kDigestBytes || length != have - kDigestBytes)
      throw std::runtime_error(source + ": checkpoint is truncated or damaged (" +
                               std::to_string(bytes.size()) + " bytes; its header promises " +
                               std::to_string(kHeaderBytes + length + kDigestBytes) + ")");
    const std::size_t body = bytes.size() - kDigestBytes;
    const Digest digest = sha256(bytes.substr(0, body));
    if (std::memcmp(digest.data(), bytes.data() + body, kDigestBytes) != 0)
      throw std::runtime_error(source +
                               ": checkpoint is damaged: its SHA-256 checksum does not match "
                               "its contents");
    payload = bytes.substr(kHeaderBytes, length);
  } else if (version == kUncheckedFormat) {
    payload = bytes.substr(r.pos);
    ck.verified_ = false;
  } else {
    throw std::runtime_error(source + ": checkpoint format " + std::to_string(version) +
                             " is not one this hitnet reads (1 or 2): damaged, or written by a "
                             "newer hitnet");
  }

  Reader p{payload, source};
  const auto count = p.get<uint32_t>();
  for (uint32_t k = 0; k < count; ++k) {
    const auto name_len = p.get<uint32_t>();
    const std::string name(p.take(name_len), name_len);
    const auto kind = p.get<uint8_t>();
    const auto len = p.get<uint64_t>();
    const char* data = p.take(len);
    if (kind == kFloats && len % sizeof(float) == 0) {
      Vector v(static_cast<Eigen::Index>(len / sizeof(float)));
      if (len > 0) std::memcpy(v.data(), data, len);
      ck.floats_[name] = std::move(v);
    } else if (kind == kNumber && len == sizeof(double)) {
      std::memcpy(&ck.numbers_[name], data, sizeof(double));
    } else if (kind == kText) {
      ck.texts_[name] = std::string(data, len);
    } else {
      throw std::runtime_error(source + ": checkpoint record '" + name + "' is malformed");
    }
  }
  if (p.pos != payload.size())
    throw std::runtime_error(source + ": checkpoint has " + std::to_string(payload.size() - p.pos) +
                             " bytes after its last record (damaged)");
  return ck;
}

void Checkpoint::save(const std::string& path) const {
  write_file_atomically(path, to_bytes());
}

Checkpoint Checkpoint::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open checkpoint (" + std::strerror(errno) + ")");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return from_bytes(buffer.str(), path);
}

std::string unverified_checkpoint_warning(const std::string& path) {
  return "warning: " + path +
         " was written before checkpoints had checksums (format 1): it cannot be verified";
}

}  // namespace hitnet
