#include "core/infer/packed_format.hpp"

#include <lzma.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace hitnet::infer {

static_assert(std::endian::native == std::endian::little,
              "the packed format is little-endian and read by memcpy");

namespace {

constexpr char kMagic[8] = {'H', 'I', 'T', 'N', 'E', 'T', 'P', 'K'};
constexpr std::size_t kHeaderBytes = 24;  // magic, version, reserved, file size
constexpr std::size_t kChecksumBytes = 8;
constexpr std::size_t kAlignment = 64;  // tensor data starts at a multiple of this
enum TensorKind : uint8_t { kFloat32 = 0, kTernary = 1 };

uint64_t checksum(std::string_view bytes) {
  return lzma_crc64(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0);
}

class Writer {
 public:
  template <typename T>
  void put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_string(const std::string& s) {
    put(uint32_t(s.size()));
    out_ += s;
  }
  template <typename T>
  void put_array(const std::vector<T>& v) {
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void align() { out_.append((kAlignment - out_.size() % kAlignment) % kAlignment, '\0'); }
  void tensor_header(const std::string& name, TensorKind kind, int rows, int cols) {
    put_string(name);
    put(uint8_t(kind));
    put_array(std::vector<uint8_t>(3, 0));
    put(uint32_t(rows));
    put(uint32_t(cols));
  }
  void float_tensor(const std::string& name, int rows, int cols, const std::vector<float>& v) {
    tensor_header(name, kFloat32, rows, cols);
    align();
    put_array(v);
  }
  void weight(const std::string& name, const WeightMatrix& w) {
    if (const auto* f = std::get_if<FloatMatrix>(&w))
      return float_tensor(name, f->rows, f->cols, f->values);
    const auto& t = std::get<TernaryMatrix>(w);
    tensor_header(name, kTernary, t.rows, t.cols);
    put(uint32_t(t.scales.size()));
    put(uint8_t(t.diagonal_apart()));
    put_array(std::vector<uint8_t>(3, 0));
    put_array(t.scales);
    put_array(t.diagonal_scales);  // empty unless the diagonal is apart
    put(uint32_t(t.words));
    align();
    put_array(t.plus);
    put_array(t.minus);
  }
  std::string finish() {
    const uint64_t size = out_.size() + kChecksumBytes;
    std::memcpy(out_.data() + 16, &size, sizeof size);
    put(checksum(out_));
    return std::move(out_);
  }

 private:
  std::string out_;
};

// Bounds-checked reading; every failure names the source, the byte offset and what was read.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source, uint32_t version)
      : bytes_(bytes), source_(source), version_(version) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(source_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  const char* take(std::size_t n, const char* what) {
    if (bytes_.size() - pos_ < n)
      fail(std::string("malformed: ") + what + " needs " + std::to_string(n) + " bytes, only " +
           std::to_string(bytes_.size() - pos_) + " remain");
    const char* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof v, what), sizeof v);
    return v;
  }
  std::string get_string(const char* what) {
    const auto n = get<uint32_t>(what);
    return std::string(take(n, what), n);
  }
  // n values of T; the size is checked against the remaining bytes before anything is allocated.
  template <typename T>
  std::vector<T> get_array(std::size_t n, const char* what) {
    if (n > (bytes_.size() - pos_) / sizeof(T))
      fail(std::string("malformed: ") + what + " needs " + std::to_string(n) + " values of " +
           std::to_string(sizeof(T)) + " bytes, only " + std::to_string(bytes_.size() - pos_) +
           " bytes remain");
    std::vector<T> v(n);
    std::memcpy(v.data(), take(n * sizeof(T), what), n * sizeof(T));
    return v;
  }
  void expect_zero(std::size_t n, const char* what) {
    const char* p = take(n, what);
    for (std::size_t k = 0; k < n; ++k)
      if (p[k] != 0) fail(std::string("malformed: ") + what + " is not zero");
  }
  void align() { expect_zero((kAlignment - pos_ % kAlignment) % kAlignment, "alignment padding"); }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  // A tensor's header, checked against the name and shape the model's header implies.
  TensorKind tensor_header(const std::string& name, int rows, int cols) {
    const std::string found = get_string("tensor name");
    if (found != name) fail("malformed: expected tensor '" + name + "', found '" + found + "'");
    const auto kind = get<uint8_t>("tensor kind");
    if (kind != kFloat32 && kind != kTernary)
      fail("malformed: tensor '" + name + "' has kind " + std::to_string(kind) +
           ", expected 0 (float32) or 1 (ternary)");
    expect_zero(3, "tensor reserved bytes");
    const auto r = get<uint32_t>("tensor rows"), c = get<uint32_t>("tensor columns");
    if (r != uint32_t(rows) || c != uint32_t(cols))
      fail("malformed: tensor '" + name + "' is " + std::to_string(r) + " x " + std::to_string(c) +
           ", the model's header implies " + std::to_string(rows) + " x " + std::to_string(cols));
    return TensorKind(kind);
  }
  std::vector<float> float_tensor(const std::string& name, int rows, int cols) {
    if (tensor_header(name, rows, cols) != kFloat32)
      fail("malformed: tensor '" + name + "' must be float32");
    align();
    return get_array<float>(std::size_t(rows) * cols, "float32 tensor data");
  }
  WeightMatrix weight(const std::string& name, int rows, int cols, bool ternary) {
    const TensorKind kind = tensor_header(name, rows, cols);
    if (kind != (ternary ? kTernary : kFloat32))
      fail("malformed: tensor '" + name + "' is " + (kind == kTernary ? "ternary" : "float32") +
           ", the layer header says " + (ternary ? "ternary" : "float32"));
    if (kind == kFloat32) {
      align();
      return FloatMatrix{rows, cols, get_array<float>(std::size_t(rows) * cols, "weight data")};
    }
    TernaryMatrix t;
    t.rows = rows, t.cols = cols;
    if (version_ == 2)
      t.scales = {get<float>("ternary scale")};  // one scale, no diagonal group
    else
      ternary_groups(name, t);
    t.words = int(get<uint32_t>("words per row"));
    if (t.words != TernaryMatrix::words_for(cols))
      fail("malformed: tensor '" + name + "' has " + std::to_string(t.words) + " words per row, " +
           std::to_string(cols) + " columns need " +
           std::to_string(TernaryMatrix::words_for(cols)));
    align();
    t.plus = get_array<uint64_t>(std::size_t(rows) * t.words, "+1 plane");
    t.minus = get_array<uint64_t>(std::size_t(rows) * t.words, "-1 plane");
    return t;
  }
  // Version 3: the row blocks and the diagonal flag, checked against the shape before their
  // scales are read (and allocated), then the scales.
  void ternary_groups(const std::string& name, TernaryMatrix& t) {
    const auto blocks = get<uint32_t>("row blocks");
    const auto diagonal = get<uint8_t>("diagonal flag");
    if (diagonal > 1)
      fail("malformed: tensor '" + name + "' has diagonal flag " + std::to_string(diagonal) +
           ", expected 0 or 1");
    if (const std::string problem =
            TernaryMatrix::grouping_error(t.rows, t.cols, blocks, diagonal == 1);
        !problem.empty())
      fail("malformed: tensor '" + name + "': " + problem);
    expect_zero(3, "ternary reserved bytes");
    t.scales = get_array<float>(blocks, ("scales of tensor '" + name + "'").c_str());
    if (diagonal)
      t.diagonal_scales =
          get_array<float>(blocks, ("diagonal scales of tensor '" + name + "'").c_str());
  }

 private:
  std::string_view bytes_;
  const std::string& source_;
  uint32_t version_;
  std::size_t pos_ = 0;
};

// The header checks that come before anything else is read: what the file is, which version,
// whether it is whole and whether its bytes are the ones written. Returns the version.
uint32_t check_envelope(std::string_view bytes, const std::string& source) {
  const std::string_view magic(kMagic, sizeof kMagic);
  const bool magic_prefix = bytes.substr(0, magic.size()) == magic.substr(0, bytes.size());
  if (bytes.empty()) throw FormatError(source + ": empty file, not a hitnet packed model");
  if (!magic_prefix)
    throw FormatError(source + ": not a hitnet packed model (no \"HITNETPK\" magic" +
                      (bytes.substr(0, 8) == "HITNETCK" ? "; this is a training checkpoint, "
                                                          "export it with hitnet-export"
                                                        : "") +
                      ")");
  if (bytes.size() < kHeaderBytes)
    throw FormatError(source + ": truncated: " + std::to_string(bytes.size()) +
                      " bytes, the header alone has " + std::to_string(kHeaderBytes));
  uint32_t version;
  uint64_t size;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  std::memcpy(&size, bytes.data() + 16, sizeof size);
  if (version < kOldestReadableVersion || version > kPackedFormatVersion)
    throw FormatError(source + ": packed format version " + std::to_string(version) +
                      ", this build reads versions " + std::to_string(kOldestReadableVersion) +
                      " to " + std::to_string(kPackedFormatVersion) +
                      (version > kPackedFormatVersion ? " (written by a newer hitnet-export)"
                                                      : " (re-export the run)"));
  if (size < bytes.size())
    throw FormatError(source + ": " + std::to_string(bytes.size() - size) +
                      " unexpected bytes after the " + std::to_string(size) +
                      " the header declares");
  if (size > bytes.size())
    throw FormatError(source + ": truncated: " + std::to_string(bytes.size()) + " of the " +
                      std::to_string(size) + " bytes the header declares");
  if (size < kHeaderBytes + kChecksumBytes)
    throw FormatError(source + ": malformed: declared size " + std::to_string(size) +
                      " is smaller than a header and a checksum");
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + size - kChecksumBytes, sizeof stored);
  const uint64_t actual = checksum(bytes.substr(0, size - kChecksumBytes));
  if (stored != actual) {
    std::ostringstream msg;
    msg << source << ": checksum mismatch, the file is corrupt (stored CRC-64 " << std::hex
        << stored << ", computed " << actual << ")";
    throw FormatError(msg.str());
  }
  return version;
}

}  // namespace

std::string serialize_packed(const PackedModel& m) {
  m.validate();
  Writer w;
  w.put_array(std::vector<char>(kMagic, kMagic + sizeof kMagic));
  w.put(kPackedFormatVersion);
  w.put(uint32_t{0});  // reserved
  w.put(uint64_t{0});  // file size, filled in by finish()
  w.put(uint8_t(m.cell));
  w.put(uint8_t(m.tied));
  w.put(uint16_t{0});
  for (int v : {int(m.layers.size()), m.vocab, m.embedding, m.hidden}) w.put(uint32_t(v));
  for (const PackedLayer& l : m.layers) {
    w.put(uint8_t(is_ternary(l.w_ih)));
    w.put(uint8_t(is_ternary(l.w_hh)));
    w.put(uint16_t(l.btq | l.ternary_unit << 8));  // placements fit in a byte (7 at most)
    w.put(l.sigmoid_slope);
    w.put(l.tanh_slope);
  }
  for (const std::string& word : m.words) w.put_string(word);
  w.put(uint32_t(m.metadata.size()));
  for (const auto& [key, value] : m.metadata) w.put_string(key), w.put_string(value);

  w.float_tensor("embedding.weight", m.vocab, m.embedding, m.embedding_table.values);
  for (std::size_t k = 0; k < m.layers.size(); ++k) {
    const PackedLayer& l = m.layers[k];
    const std::string name = cell_name(m.cell) + std::to_string(k);
    const int rows = m.gates() * m.hidden;
    w.weight(name + ".w_ih", l.w_ih);
    w.weight(name + ".w_hh", l.w_hh);
    if (m.cell == Cell::kLstm) {
      w.float_tensor(name + ".bias", rows, 1, l.bias_ih);
    } else {
      w.float_tensor(name + ".b_ih", rows, 1, l.bias_ih);
      w.float_tensor(name + ".b_hh", rows, 1, l.bias_hh);
    }
  }
  if (!m.tied) w.float_tensor("decoder.weight", m.vocab, m.hidden, m.decoder_weight.values);
  w.float_tensor("decoder.bias", m.vocab, 1, m.decoder_bias);
  return w.finish();
}

PackedModel parse_packed(std::string_view bytes, const std::string& source) {
  const uint32_t version = check_envelope(bytes, source);
  Reader r(bytes.substr(0, bytes.size() - kChecksumBytes), source, version);
  r.take(kHeaderBytes, "header");

  PackedModel m;
  const auto cell = r.get<uint8_t>("cell");
  if (cell > uint8_t(Cell::kGru))
    r.fail("malformed: cell " + std::to_string(cell) + ", expected 0 (lstm) or 1 (gru)");
  m.cell = Cell(cell);
  const auto tied = r.get<uint8_t>("tied flag");
  if (tied > 1) r.fail("malformed: tied flag " + std::to_string(tied) + ", expected 0 or 1");
  m.tied = tied == 1;
  r.expect_zero(2, "model reserved bytes");
  const auto layers = r.get<uint32_t>("layer count");
  const auto vocab = r.get<uint32_t>("vocabulary size");
  const auto embedding = r.get<uint32_t>("embedding size");
  const auto hidden = r.get<uint32_t>("hidden size");
  constexpr uint32_t kMaxDim = std::numeric_limits<int32_t>::max() / 4;  // gates·hidden fits
  for (uint32_t v : {layers, vocab, embedding, hidden})
    if (v < 1 || v > kMaxDim)
      r.fail("malformed: layers, vocabulary, embedding and hidden sizes must be in [1, " +
             std::to_string(kMaxDim) + "], got " + std::to_string(layers) + ", " +
             std::to_string(vocab) + ", " + std::to_string(embedding) + ", " +
             std::to_string(hidden));
  m.vocab = int(vocab), m.embedding = int(embedding), m.hidden = int(hidden);
  if (m.tied && m.embedding != m.hidden)
    r.fail("malformed: a tied decoder needs embedding == hidden, the header says " +
           std::to_string(embedding) + " and " + std::to_string(hidden));
  constexpr std::size_t kLayerHeaderBytes = 12;
  if (layers > r.remaining() / kLayerHeaderBytes)
    r.fail("malformed: " + std::to_string(layers) + " layers cannot fit in the file");
  std::vector<std::pair<bool, bool>> ternary;  // w_ih, w_hh of each layer
  for (uint32_t l = 0; l < layers; ++l) {
    const auto ih = r.get<uint8_t>("w_ih kind"), hh = r.get<uint8_t>("w_hh kind");
    if (ih > 1 || hh > 1)
      r.fail("malformed: layer " + std::to_string(l) + " weight kinds " + std::to_string(ih) +
             ", " + std::to_string(hh) + ", expected 0 (float32) or 1 (ternary)");
    ternary.emplace_back(ih == 1, hh == 1);
    PackedLayer layer;
    const auto placements = r.get<uint16_t>("activation placements");
    layer.btq = placements & 0xffu, layer.ternary_unit = placements >> 8;
    layer.sigmoid_slope = r.get<float>("sigmoid slope");
    layer.tanh_slope = r.get<float>("tanh slope");
    m.layers.push_back(std::move(layer));
  }
  if (vocab > r.remaining() / sizeof(uint32_t))
    r.fail("malformed: " + std::to_string(vocab) + " vocabulary words cannot fit in the file");
  m.words.reserve(vocab);
  for (uint32_t k = 0; k < vocab; ++k) m.words.push_back(r.get_string("vocabulary word"));
  const auto entries = r.get<uint32_t>("metadata count");
  if (entries > r.remaining() / (2 * sizeof(uint32_t)))
    r.fail("malformed: " + std::to_string(entries) + " metadata entries cannot fit in the file");
  for (uint32_t k = 0; k < entries; ++k) {
    std::string key = r.get_string("metadata key");
    m.metadata.emplace_back(std::move(key), r.get_string("metadata value"));
  }

  m.embedding_table = {m.vocab, m.embedding,
                       r.float_tensor("embedding.weight", m.vocab, m.embedding)};
  const int rows = m.gates() * m.hidden;
  for (std::size_t k = 0; k < m.layers.size(); ++k) {
    PackedLayer& l = m.layers[k];
    const std::string name = cell_name(m.cell) + std::to_string(k);
    l.w_ih = r.weight(name + ".w_ih", rows, k == 0 ? m.embedding : m.hidden, ternary[k].first);
    l.w_hh = r.weight(name + ".w_hh", rows, m.hidden, ternary[k].second);
    if (m.cell == Cell::kLstm) {
      l.bias_ih = r.float_tensor(name + ".bias", rows, 1);
    } else {
      l.bias_ih = r.float_tensor(name + ".b_ih", rows, 1);
      l.bias_hh = r.float_tensor(name + ".b_hh", rows, 1);
    }
  }
  if (!m.tied)
    m.decoder_weight = {m.vocab, m.hidden, r.float_tensor("decoder.weight", m.vocab, m.hidden)};
  m.decoder_bias = r.float_tensor("decoder.bias", m.vocab, 1);
  if (r.remaining() != 0)
    r.fail("malformed: " + std::to_string(r.remaining()) + " bytes after the last tensor");
  try {
    m.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(source + ": malformed: " + e.what());
  }
  return m;
}

PackedModel load_packed(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FormatError(path + ": is a directory, not a packed model");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FormatError(path + ": cannot open the packed model (" + std::strerror(errno) + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw FormatError(path + ": read error");
  return parse_packed(bytes.view(), path);
}

}  // namespace hitnet::infer
