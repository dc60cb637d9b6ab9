#include "experiments/sweep/sweep_index.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/io/atomic_file.hpp"

namespace hitnet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json to_json(const Assignment& a) {
  json out = json::array();
  for (const auto& [key, value] : a) out.push_back({key, value});
  return out;
}

Assignment assignment_from(const json& j) {
  Assignment out;
  for (const json& kv : j)
    out.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  return out;
}

json load_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return json::parse(in, nullptr, false);
}

}  // namespace

std::string status_from_state(const RunState& state) {
  if (state.next == NextStep::kNothing) return state.status;
  if (state.next == NextStep::kResume) return "interrupted";
  return state.holds_run ? "failed" : "pending";
}

std::string output_log_of(const PointRecord& record) {
  return record.dir + "/output.log";
}

SweepIndex plan_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                      const std::string& directory) {
  SweepIndex index;
  index.name = spec.name;
  index.base_config = spec.base_config;
  index.directory = fs::absolute(directory).lexically_normal().string();
  for (const SweepPoint& p : points)
    for (const auto& kv : p.varied)
      if (std::find(index.varied_keys.begin(), index.varied_keys.end(), kv.first) ==
          index.varied_keys.end())
        index.varied_keys.push_back(kv.first);

  // Finished runs anywhere under runs/, by hash.
  std::map<std::string, std::string> finished_dir_of_hash;
  const fs::path runs = fs::path(index.directory) / "runs";
  if (fs::is_directory(runs))
    for (const auto& entry : fs::directory_iterator(runs)) {
      const std::string name = entry.path().filename().string();
      const auto underscore = name.rfind('_');
      if (!entry.is_directory() || underscore == std::string::npos) continue;
      const std::string hash = name.substr(underscore + 1);
      const RunState s = inspect_run(entry.path().string(), hash);
      if (s.next == NextStep::kNothing) finished_dir_of_hash[hash] = entry.path().string();
    }

  // What an earlier session recorded.
  std::map<std::string, json> earlier;
  const json old = load_json(index.directory + "/index.json");
  if (old.is_object() && old.contains("points"))
    for (const json& p : old["points"])
      if (p.contains("hash")) earlier[p["hash"].get<std::string>()] = p;

  for (const SweepPoint& p : points) {
    PointRecord r;
    r.point = p;
    r.dir = (runs / p.name).string();
    r.state = inspect_run(r.dir, p.hash);
    if (r.state.next != NextStep::kNothing)
      if (const auto it = finished_dir_of_hash.find(p.hash); it != finished_dir_of_hash.end()) {
        r.dir = it->second;
        r.state = inspect_run(r.dir, p.hash);
      }
    r.status = status_from_state(r.state);
    if (const auto it = earlier.find(p.hash); it != earlier.end()) {
      r.exit_code = it->second.value("exit_code", -1);
      r.log_tail = it->second.value("log_tail", "");
      r.slurm_job = it->second.value("slurm_job", "");
    }
    index.points.push_back(std::move(r));
  }
  return index;
}

void write_index(const SweepIndex& index) {
  json points = json::array();
  for (const PointRecord& r : index.points) {
    json p = {{"number", r.point.number},
              {"name", r.point.name},
              {"dir", fs::path(r.dir).lexically_relative(index.directory).string()},
              {"hash", r.point.hash},
              {"overrides", to_json(r.point.overrides)},
              {"varied", to_json(r.point.varied)},
              {"status", r.status},
              {"exit_code", r.exit_code},
              {"log_tail", r.log_tail},
              {"slurm_job", r.slurm_job}};
    points.push_back(p);
  }
  const json j = {{"name", index.name},
                  {"base_config", index.base_config},
                  {"varied_keys", index.varied_keys},
                  {"points", points}};
  fs::create_directories(index.directory);
  write_file_atomically(index.directory + "/index.json", j.dump(2) + "\n");
}

void write_sweep_spec(const SweepSpec& spec, const std::string& directory) {
  fs::create_directories(directory);
  write_file_atomically(directory + "/sweep.yaml", sweep_file_text(spec, directory));
}

SweepIndex read_index(const std::string& directory) {
  const std::string path = directory + "/index.json";
  const json j = load_json(path);
  if (j.is_null())
    throw SweepError(path + ": not found: is '" + directory + "' a sweep directory?");
  if (!j.is_object() || !j.contains("points")) throw SweepError(path + ": malformed index");
  SweepIndex index;
  index.directory = fs::absolute(directory).lexically_normal().string();
  try {
    index.name = j.value("name", "");
    index.base_config = j.value("base_config", "");
    index.varied_keys = j.value("varied_keys", std::vector<std::string>{});
    for (const json& p : j["points"]) {
      PointRecord r;
      r.point.number = p.at("number").get<int>();
      r.point.name = p.at("name").get<std::string>();
      r.point.hash = p.at("hash").get<std::string>();
      r.point.overrides = assignment_from(p.at("overrides"));
      r.point.varied = assignment_from(p.at("varied"));
      r.dir = (fs::path(index.directory) / p.at("dir").get<std::string>()).string();
      r.status = p.value("status", "");
      r.exit_code = p.value("exit_code", -1);
      r.log_tail = p.value("log_tail", "");
      r.slurm_job = p.value("slurm_job", "");
      r.state = inspect_run(r.dir, r.point.hash);
      index.points.push_back(std::move(r));
    }
  } catch (const json::exception& e) {
    throw SweepError(path + ": malformed index: " + e.what());
  }
  return index;
}

}  // namespace hitnet
