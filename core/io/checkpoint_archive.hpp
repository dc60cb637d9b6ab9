#pragma once
// A training state lists its fields once, in a visit(archive) member; the same visit writes a
// checkpoint (CheckpointWriter) or restores one (CheckpointReader), so saving and restoring can
// never disagree about what a checkpoint holds.
//
//   template <class Archive> void visit(Archive& a) { a("params", params); a("pos.epoch", epoch); }
#include <sstream>
#include <string>
#include <vector>

#include "core/io/checkpoint.hpp"

namespace hitnet {

class CheckpointWriter {
 public:
  void operator()(const std::string& name, const Vector& v) { ck_.put(name, v); }
  void operator()(const std::string& name, const Matrix& m) { ck_.put(name, Vector(m.reshaped())); }
  void operator()(const std::string& name, double v) { ck_.put(name, v); }
  void operator()(const std::string& name, int v) { ck_.put(name, double(v)); }
  void operator()(const std::string& name, const std::string& v) { ck_.put(name, v); }
  void operator()(const std::string& name, const Rng& rng) {
    std::ostringstream text;
    text << rng;
    ck_.put(name, text.str());
  }
  void operator()(const std::string& name, const std::vector<Vector>& vs) {
    ck_.put(name + ".count", double(vs.size()));
    for (std::size_t k = 0; k < vs.size(); ++k) ck_.put(name + "." + std::to_string(k), vs[k]);
  }

  const Checkpoint& checkpoint() const { return ck_; }

 private:
  Checkpoint ck_;
};

// Reads every field back; a missing field or an array of another size is an error naming it.
class CheckpointReader {
 public:
  explicit CheckpointReader(const Checkpoint& ck) : ck_(ck) {}
  CheckpointReader(const CheckpointReader&) = delete;  // refers to the checkpoint
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  void operator()(const std::string& name, Vector& v) const { v = ck_.floats(name, v.size()); }
  void operator()(const std::string& name, Matrix& m) const {
    m.reshaped() = ck_.floats(name, m.size());
  }
  void operator()(const std::string& name, double& v) const { v = ck_.number(name); }
  void operator()(const std::string& name, int& v) const { v = int(ck_.number(name)); }
  void operator()(const std::string& name, std::string& v) const { v = ck_.text(name); }
  void operator()(const std::string& name, Rng& rng) const {
    std::istringstream text(ck_.text(name));
    text >> rng;
  }
  void operator()(const std::string& name, std::vector<Vector>& vs) const {
    vs.resize(std::size_t(ck_.number(name + ".count")));
    for (std::size_t k = 0; k < vs.size(); ++k) vs[k] = ck_.floats(name + "." + std::to_string(k));
  }

 private:
  const Checkpoint& ck_;
};

}  // namespace hitnet
