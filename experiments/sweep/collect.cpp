#include "experiments/sweep/collect.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/io/atomic_file.hpp"

namespace hitnet {
namespace {

// Numbers at full precision (nlohmann's shortest round-trip form): the table is data, and a
// perplexity cut to 6 digits no longer tells apart runs that differ in the 7th.
std::string value_text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// For reading: a number with a fraction shown to 6 significant digits.
std::string readable(const std::string& cell) {
  if (cell.find_first_of(".eE") == std::string::npos) return cell;
  char* end = nullptr;
  const double x = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0') return cell;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c == '\n' ? ' ' : c);
  return out;
}

}  // namespace

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> columns{
      "best_valid_ppl", "test_ppl",           "test_ppl_std", "epochs_run",
      "best_epoch",     "train_tokens_per_s", "wall_s"};
  return columns;
}

SweepTable collect_table(const SweepIndex& index) {
  SweepTable t;
  t.columns = index.varied_keys;
  t.columns.push_back("status");
  for (const std::string& m : metric_columns()) t.columns.push_back(m);
  for (const char* c : {"exit_code", "hash", "run_dir"}) t.columns.push_back(c);
  for (const PointRecord& r : index.points) {
    std::map<std::string, std::string> varied(r.point.varied.begin(), r.point.varied.end());
    std::vector<std::string> row;
    for (const std::string& key : index.varied_keys) row.push_back(varied[key]);
    const nlohmann::json& s = r.state.summary;
    // The run directory is the truth for runs that got far enough to write a summary, the
    // index for the rest (failed before training, still queued); damaged results are no result.
    const std::string status = current_status(r);
    row.push_back(status.empty() ? std::string(status::kPending) : status);
    const bool trusted = status != status::kDamaged && s.is_object();
    for (const std::string& m : metric_columns())
      row.push_back(trusted && s.contains(m) ? value_text(s[m]) : "");
    const int exit_code = current_exit_code(r);
    row.push_back(exit_code >= 0 ? std::to_string(exit_code) : "");
    row.push_back(r.point.hash);
    row.push_back(std::filesystem::path(r.dir).lexically_relative(index.directory).string());
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string to_csv(const SweepTable& t) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_field(cells[i]);
    out += "\n";
  };
  line(t.columns);
  for (const auto& row : t.rows) line(row);
  return out;
}

std::string to_markdown(const SweepTable& t) {
  std::string out = "|";
  for (const std::string& c : t.columns) out += " " + markdown_cell(c) + " |";
  out += "\n|";
  for (size_t i = 0; i < t.columns.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const std::string& cell : row) out += " " + markdown_cell(readable(cell)) + " |";
    out += "\n";
  }
  return out;
}

std::string write_collection(const SweepIndex& index) {
  const SweepTable table = collect_table(index);
  const std::string csv = index.directory + "/results.csv";
  write_file_atomically(csv, to_csv(table));
  write_file_atomically(index.directory + "/results.md",
                        "# Sweep " + index.name + "\n\nBase config: " + index.base_config + "\n\n" +
                            to_markdown(table));
  return csv;
}

}  // namespace hitnet
