#pragma once
// A PackedModel as hitnet-export wrote it in format version 2 (one f32 scale per ternary tensor,
// no row blocks, no diagonal group), for testing that such files are still read. Frozen: this
// is the old layout, it must not follow changes to the format.
#include <lzma.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "core/infer/packed_model.hpp"

namespace hitnet::infer::test {

inline std::string serialize_version2(const PackedModel& m) {
  std::string out;
  auto put = [&](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  auto put_string = [&](const std::string& s) { put(uint32_t(s.size())), out += s; };
  auto put_array = [&](const auto& v) {
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof v[0]);
  };
  auto align = [&] { out.append((64 - out.size() % 64) % 64, '\0'); };
  auto header = [&](const std::string& name, uint8_t kind, int rows, int cols) {
    put_string(name), put(kind), put(uint8_t{0}), put(uint16_t{0});
    put(uint32_t(rows)), put(uint32_t(cols));
  };
  auto floats = [&](const std::string& name, int rows, int cols, const std::vector<float>& v) {
    header(name, 0, rows, cols), align(), put_array(v);
  };
  auto weight = [&](const std::string& name, const WeightMatrix& w) {
    if (const auto* f = std::get_if<FloatMatrix>(&w))
      return floats(name, f->rows, f->cols, f->values);
    const auto& t = std::get<TernaryMatrix>(w);
    if (t.scales.size() != 1 || t.diagonal_apart())
      throw std::invalid_argument("format version 2 holds one scale per ternary matrix");
    header(name, 1, t.rows, t.cols), put(t.scales[0]), put(uint32_t(t.words)), align();
    put_array(t.plus), put_array(t.minus);
  };

  out = "HITNETPK";
  put(uint32_t{2}), put(uint32_t{0}), put(uint64_t{0});  // version, reserved, size (below)
  put(uint8_t(m.cell)), put(uint8_t(m.tied)), put(uint16_t{0});
  for (int v : {int(m.layers.size()), m.vocab, m.embedding, m.hidden}) put(uint32_t(v));
  for (const PackedLayer& l : m.layers) {
    put(uint8_t(is_ternary(l.w_ih))), put(uint8_t(is_ternary(l.w_hh)));
    put(uint16_t(l.btq | l.ternary_unit << 8)), put(l.sigmoid_slope), put(l.tanh_slope);
  }
  for (const std::string& word : m.words) put_string(word);
  put(uint32_t(m.metadata.size()));
  for (const auto& [key, value] : m.metadata) put_string(key), put_string(value);
  floats("embedding.weight", m.vocab, m.embedding, m.embedding_table.values);
  const int rows = m.gates() * m.hidden;
  for (std::size_t k = 0; k < m.layers.size(); ++k) {
    const PackedLayer& l = m.layers[k];
    const std::string name = cell_name(m.cell) + std::to_string(k);
    weight(name + ".w_ih", l.w_ih);
    weight(name + ".w_hh", l.w_hh);
    if (m.cell == Cell::kLstm) {
      floats(name + ".bias", rows, 1, l.bias_ih);
    } else {
      floats(name + ".b_ih", rows, 1, l.bias_ih);
      floats(name + ".b_hh", rows, 1, l.bias_hh);
    }
  }
  if (!m.tied) floats("decoder.weight", m.vocab, m.hidden, m.decoder_weight.values);
  floats("decoder.bias", m.vocab, 1, m.decoder_bias);
  const uint64_t size = out.size() + sizeof(uint64_t);  // the CRC-64 after everything
  std::memcpy(out.data() + 16, &size, sizeof size);
  put(lzma_crc64(reinterpret_cast<const uint8_t*>(out.data()), out.size(), 0));
  return out;
}

}  // namespace hitnet::infer::test
