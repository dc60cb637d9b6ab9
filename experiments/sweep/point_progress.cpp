#include "experiments/sweep/point_progress.hpp"

#include <cstdio>
#include <regex>

#include "experiments/lib/progress.hpp"

namespace hitnet {

double parse_duration(const std::string& text) {
  static const std::regex pattern(R"((?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?)");
  std::smatch m;
  if (text.empty() || !std::regex_match(text, m, pattern)) return -1;
  double s = 0;
  if (m[1].matched) s += 3600 * std::stod(m[1]);
  if (m[2].matched) s += 60 * std::stod(m[2]);
  if (m[3].matched) s += std::stod(m[3]);
  return s;
}

bool update_progress(PointProgress& p, const std::string& line) {
  static const std::regex batch_line(
      R"(epoch (\d+)/(\d+) batch (\d+)/(\d+) loss \S+ ppl (\S+) tok/s \S+ eta (\S+))");
  static const std::regex done_line(R"(epoch (\d+)/(\d+) done: .*train ppl (\S+) valid ppl (\S+))");
  std::smatch m;
  if (std::regex_search(line, m, batch_line)) {
    p.epoch = std::stoi(m[1]), p.epochs = std::stoi(m[2]);
    p.batch = std::stoi(m[3]), p.batches = std::stoi(m[4]);
    p.train_ppl = std::stod(m[5]);
    p.eta_s = parse_duration(m[6]);
    return true;
  }
  if (std::regex_search(line, m, done_line)) {
    p.epoch = std::stoi(m[1]), p.epochs = std::stoi(m[2]);
    p.batch = p.batches;
    p.train_ppl = std::stod(m[3]);
    p.valid_ppl = std::stod(m[4]);
    return true;
  }
  return false;
}

std::string describe(const PointProgress& p) {
  if (p.epochs == 0) return "starting";
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "epoch %d/%d", p.epoch, p.epochs);
  if (p.batches > 0 && p.batch < p.batches)
    n += std::snprintf(buf + n, sizeof buf - n, " batch %d/%d", p.batch, p.batches);
  if (p.train_ppl >= 0) n += std::snprintf(buf + n, sizeof buf - n, " ppl %.1f", p.train_ppl);
  if (p.valid_ppl >= 0) n += std::snprintf(buf + n, sizeof buf - n, " valid %.1f", p.valid_ppl);
  if (p.eta_s >= 0)
    std::snprintf(buf + n, sizeof buf - n, " eta %s", format_duration(p.eta_s).c_str());
  return buf;
}

}  // namespace hitnet
