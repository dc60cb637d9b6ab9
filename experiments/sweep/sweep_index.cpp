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

// How much of a point's work a run directory holds: 0 done (finished or diverged), 1 live (a
// process is on it: follow it), 2 a checkpoint to resume, 3 nothing to keep.
int usefulness(const RunState& s) {
  if (s.live) return 1;
  if (s.next == NextStep::kNothing) return 0;
  return s.next == NextStep::kResume ? 2 : 3;
}

}  // namespace

std::string current_status(const PointRecord& r) {
  const RunState& s = r.state;
  if (s.live) return std::string(status::kRunning);
  if (s.next == NextStep::kNothing) return s.status;
  if (r.status == status::kSubmitted) return r.status;  // Slurm's word (see slurm_executor.hpp)
  if (!s.damage.empty()) return std::string(status::kDamaged);
  // How a session saw the process end, as long as the directory has not moved on since.
  for (const std::string_view kept :
       {status::kFailed, status::kBadConfig, status::kInterrupted, status::kPending})
    if (r.status == kept) return r.status;
  // Recorded as running (or final) but neither live nor final now: the process is gone and no
  // session saw it end.
  if (s.next == NextStep::kResume) return std::string(status::kInterrupted);
  return std::string(s.holds_run ? status::kFailed : status::kPending);
}

int current_exit_code(const PointRecord& r) {
  if (r.state.live) return -1;
  if (r.state.next == NextStep::kNothing) return exit_code_of_status(r.state.status);
  if (r.exit_code < 0 && r.state.damage.empty()) return exit_code_of_status(r.state.status);
  return r.exit_code;
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

  // Runs anywhere under runs/, by the hash of their config.yaml as this hitnet reads it, not by
  // the hash in their name: a key added to hitnet since they started takes its default when their
  // config is read, so the experiment keeps its hash while the point's new name changes. Without
  // this, upgrading hitnet mid-study would start every point again beside its finished or
  // half-trained run (and a live one twice).
  std::map<std::string, std::pair<int, std::string>> run_of_hash;  // hash -> (usefulness, dir)
  const fs::path runs = fs::path(index.directory) / "runs";
  if (fs::is_directory(runs))
    for (const auto& entry : fs::directory_iterator(runs)) {
      if (!entry.is_directory()) continue;
      const RunState state = inspect_run(entry.path().string(), "");  // as its config says
      if (state.hash.empty()) continue;
      const int rank = usefulness(state);
      const auto [it, added] = run_of_hash.try_emplace(state.hash, rank, entry.path().string());
      if (!added && rank < it->second.first) it->second = {rank, entry.path().string()};
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
    if (const auto it = run_of_hash.find(p.hash);
        it != run_of_hash.end() && it->second.first < usefulness(r.state)) {
      r.dir = it->second.second;
      r.state = inspect_run(r.dir, p.hash);
    }
    if (const auto it = earlier.find(p.hash); it != earlier.end()) {
      r.status = it->second.value("status", "");
      r.exit_code = it->second.value("exit_code", -1);
      r.log_tail = it->second.value("log_tail", "");
      r.slurm_script = it->second.value("slurm_script", "");
      r.slurm_task = it->second.value("slurm_task", -1);
      r.slurm_job = it->second.value("slurm_job", "");
    }
    r.status = current_status(r);
    r.exit_code = current_exit_code(r);
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
              {"slurm_script", r.slurm_script},
              {"slurm_task", r.slurm_task},
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
      r.slurm_script = p.value("slurm_script", "");
      r.slurm_task = p.value("slurm_task", -1);
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
