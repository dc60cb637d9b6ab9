// Sweeps without running anything: sweep files and command lines expand to the right points
// (cartesian grid, zipped keys, explicit points, fixed overrides), points get stable readable
// names and hashes, a bad value fails the whole sweep up front naming point and key, the CPU
// budget never oversubscribes, resumed points keep the session's thread budget, one table maps
// exit codes to statuses, the Slurm array script asks for what a time limit needs, damaged runs
// are never counted as done, and the collected table has the right columns, full precision and
// CSV quoting.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/config/load.hpp"
#include "core/io/results_file.hpp"
#include "experiments/lib/exit_codes.hpp"
#include "experiments/sweep/collect.hpp"
#include "experiments/sweep/cpu_budget.hpp"
#include "experiments/sweep/expand.hpp"
#include "experiments/sweep/log_follower.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/point_progress.hpp"
#include "experiments/sweep/slurm_query.hpp"
#include "experiments/sweep/slurm_script.hpp"
#include "experiments/sweep/sweep_index.hpp"
#include "experiments/sweep/sweep_point.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = std::string(HITNET_SOURCE_DIR) + "/configs/tiny_synthetic.yaml";

std::string scratch(const std::string& name) {
  const std::string dir = std::string(HITNET_BINARY_DIR) + "/test-runs/sweep-unit/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

SweepSpec tiny_spec(const std::vector<std::string>& arguments) {
  SweepSpec spec;
  spec.base_config = kTiny;
  spec.name = "t";
  add_command_line_axes(spec, arguments);
  return spec;
}

// What hitnet-run leaves in a run directory at the end: config.yaml, results.h5 with /final and
// its status, and summary.json.
void fake_ended_run(const PointRecord& r, const std::string& status, double test_ppl) {
  fs::create_directories(r.dir + "/checkpoints");
  std::ofstream(r.dir + "/config.yaml") << to_yaml(r.point.config);
  std::ofstream(r.dir + "/checkpoints/latest.ckpt") << "checkpoint";
  ResultsFile results = ResultsFile::create(r.dir + "/results.h5", {"", r.point.hash, "", "", ""});
  FinalMetrics final_metrics;
  final_metrics.best_valid_ppl = 99.25, final_metrics.best_epoch = 3;
  final_metrics.epochs_run = 3, final_metrics.test_ppl = test_ppl;
  results.finish(final_metrics, status);
  nlohmann::json summary = {
      {"status", status}, {"test_ppl", test_ppl}, {"best_valid_ppl", 99.25}, {"epochs_run", 3}};
  std::ofstream(r.dir + "/summary.json") << summary.dump(2);
}

// A run stopped mid-way: config, checkpoint and summary "interrupted".
void fake_interrupted_run(const PointRecord& r) {
  fs::create_directories(r.dir + "/checkpoints");
  std::ofstream(r.dir + "/config.yaml") << to_yaml(r.point.config);
  std::ofstream(r.dir + "/checkpoints/latest.ckpt") << "checkpoint";
  std::ofstream(r.dir + "/summary.json") << R"({"status": "interrupted", "epochs_run": 1})";
}

size_t column(const SweepTable& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  REQUIRE(it != t.columns.end());
  return static_cast<size_t>(it - t.columns.begin());
}

}  // namespace

TEST_CASE("a grid expands to the cartesian product, last key fastest", "[sweep]") {
  const auto points =
      expand_points(tiny_spec({"seed=1,2", "train.lr=0.1,0.2,0.3", "train.epochs=1"}));
  REQUIRE(points.size() == 6);
  CHECK(points[0] == Assignment{{"train.epochs", "1"}, {"seed", "1"}, {"train.lr", "0.1"}});
  CHECK(points[1] == Assignment{{"train.epochs", "1"}, {"seed", "1"}, {"train.lr", "0.2"}});
  CHECK(points[5] == Assignment{{"train.epochs", "1"}, {"seed", "2"}, {"train.lr", "0.3"}});
  CHECK(varied_keys(points) == std::vector<std::string>{"seed", "train.lr"});
}

TEST_CASE("a sweep file combines grid, zip, explicit points and overrides", "[sweep]") {
  const std::string dir = scratch("file");
  const std::string file =
      write(dir + "/s.yaml", "base: " + kTiny +
                                 "\n"
                                 "overrides: {train.epochs: 1}\n"
                                 "grid: {seed: [1, 2]}\n"
                                 "zip: {model.hidden: [16, 24], model.embedding: [8, 12]}\n"
                                 "points:\n"
                                 "  - {seed: 9, quant.weight_quant: {method: uniform, bits: 2}}\n");
  const SweepSpec spec = load_sweep_file(file);
  CHECK(spec.name == "s");
  const auto points = expand_points(spec);
  REQUIRE(points.size() == 5);  // 2 seeds x 2 zipped rows + 1 explicit
  // Zipped keys move together: hidden 16 always with embedding 8.
  CHECK(points[1] == Assignment{{"train.epochs", "1"},
                                {"seed", "1"},
                                {"model.hidden", "24"},
                                {"model.embedding", "12"}});
  CHECK(points[4] == Assignment{{"train.epochs", "1"},
                                {"seed", "9"},
                                {"quant.weight_quant", "{method: uniform, bits: 2}"}});

  const auto resolved = resolve_points(spec);
  REQUIRE(resolved.size() == 5);
  CHECK(resolved[4].config.quant.weight_quant.method == "uniform");
  CHECK(resolved[4].config.train.epochs == 1);
  CHECK(resolved[1].config.model.hidden == 24);
  CHECK(resolved[1].config.model.embedding == 12);
  // A key the explicit point leaves alone shows the base config's value.
  REQUIRE(resolved[4].varied.size() == 4);
  CHECK(resolved[4].varied[1] == std::pair<std::string, std::string>{"model.hidden", "32"});

  // The sweep directory's copy of the spec reads back to the same points.
  const std::string copy = scratch("file-copy");
  write_sweep_spec(spec, copy);
  const auto again = resolve_points(load_sweep_file(copy + "/sweep.yaml"));
  REQUIRE(again.size() == resolved.size());
  for (size_t i = 0; i < again.size(); ++i) CHECK(again[i].hash == resolved[i].hash);
}

TEST_CASE("the command line's value of a key replaces every value the sweep file gives it",
          "[sweep]") {
  const std::string dir = scratch("cli-wins");
  const std::string file =
      write(dir + "/s.yaml", "base: " + kTiny +
                                 "\n"
                                 "overrides: {train.epochs: 1}\n"
                                 "grid: {seed: [1, 2], model.cell: [lstm, gru]}\n"
                                 "zip: {model.hidden: [16, 24], model.embedding: [8, 12]}\n"
                                 "points:\n"
                                 "  - {seed: 9, model.cell: lstm}\n");
  // Before: 2 seeds x 2 cells x 2 zipped rows + 1 explicit point.
  REQUIRE(expand_points(load_sweep_file(file)).size() == 9);

  SweepSpec spec = load_sweep_file(file);
  add_command_line_axes(spec, {"model.cell=gru", "model.hidden=20", "train.epochs=3"});
  const auto points = expand_points(spec);
  // 2 seeds x 1 cell x 2 zip rows (embedding alone) + the explicit point.
  REQUIRE(points.size() == 5);
  for (const Assignment& p : points) {
    std::map<std::string, std::string> effective;
    for (const auto& [key, value] : p) effective[key] = value;
    CHECK(effective["model.cell"] == "gru");
    CHECK(effective["model.hidden"] == "20");
    CHECK(effective["train.epochs"] == "3");
  }
  // The embedding column of the zip group still varies.
  CHECK(points[0].back() == std::pair<std::string, std::string>{"model.embedding", "8"});
  CHECK(points[1].back() == std::pair<std::string, std::string>{"model.embedding", "12"});
  // Points the command line makes the same are reported, as any two equal points are.
  SweepSpec same = load_sweep_file(file);
  add_command_line_axes(same, {"seed=1", "model.cell=gru", "model.hidden=16", "model.embedding=8"});
  CHECK_THROWS_WITH(resolve_points(same), Catch::Contains("the same config as point 1"));

  // A command-line list replaces the file's axis in its place, and the explicit point keeps its
  // other keys.
  SweepSpec grid = load_sweep_file(file);
  add_command_line_axes(grid, {"seed=5,6,7"});
  REQUIRE(grid.grid.size() == 2);
  CHECK(grid.grid[0].key == "seed");
  CHECK(grid.grid[0].values == std::vector<std::string>{"5", "6", "7"});
  REQUIRE(expand_points(grid).size() == 3 * 2 * 2 + 1);
  CHECK(grid.points[0] == Assignment{{"model.cell", "lstm"}});
}

TEST_CASE("command-line values split at top-level commas only", "[sweep]") {
  CHECK(split_values("1,2,3") == std::vector<std::string>{"1", "2", "3"});
  CHECK(split_values("{method: uniform, bits: 2},fp") ==
        std::vector<std::string>{"{method: uniform, bits: 2}", "fp"});
  const SweepSpec spec = tiny_spec({"quant.weight_quant={method: ttq},fp", "seed=4"});
  REQUIRE(spec.grid.size() == 1);
  CHECK(spec.grid[0].values.size() == 2);
  CHECK(spec.overrides == Assignment{{"seed", "4"}});
}

TEST_CASE("points are named by their varied keys and hashed by config", "[sweep]") {
  const auto points = resolve_points(tiny_spec({"seed=1,2", "quant.sloping_factor=0.5,1"}));
  REQUIRE(points.size() == 4);
  CHECK(points[0].name == "seed=1_sloping_factor=0.5_" + points[0].hash);
  CHECK(points[0].hash.size() == 12);
  // The hash is the config's (threads aside), so the same config from another sweep matches.
  Config same = load_config(kTiny, {"seed=1", "quant.sloping_factor=0.5", "threads=2"});
  CHECK(config_hash(same) == points[0].hash);
  CHECK(points[0].hash != points[1].hash);
  // Keys with the same last part keep enough of their path to stay apart; values are made
  // file-name safe.
  CHECK(point_name({{"quant.weight_quant", "{method: uniform, bits: 2}"}, {"a.bits", "1"}},
                   {"quant.weight_quant", "a.bits"}, "x",
                   "h") == "weight_quant=uniform-2_bits=1_h");
  CHECK(point_name({{"x.bits", "2"}, {"y.bits", "3"}}, {"x.bits", "y.bits"}, "n", "h") ==
        "x.bits=2_y.bits=3_h");
  CHECK(point_name({}, {}, "tiny", "abc") == "tiny_abc");
}

TEST_CASE("one bad value fails the whole sweep up front, naming point and key", "[sweep]") {
  try {
    resolve_points(tiny_spec({"seed=1,2", "quant.sloping_factor=0.5,abc"}));
    FAIL("expected a SweepError");
  } catch (const SweepError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("nothing was run") != std::string::npos);
    CHECK(msg.find("point 2 (seed=1 quant.sloping_factor=abc)") != std::string::npos);
    CHECK(msg.find("point 4 (seed=2 quant.sloping_factor=abc)") != std::string::npos);
    CHECK(msg.find("point 1 ") == std::string::npos);
    CHECK(msg.find("quant.sloping_factor: expected a number") != std::string::npos);
  }
  CHECK_THROWS_WITH(resolve_points(tiny_spec({"model.hiden=1,2"})),
                    Catch::Contains("model.hiden: unknown key"));
  // Two points that are the same config.
  CHECK_THROWS_WITH(resolve_points(tiny_spec({"seed=1,1"})),
                    Catch::Contains("the same config as point 1"));
  // A grid over keys the hash leaves out is no experiment, and says why.
  CHECK_THROWS_WITH(resolve_points(tiny_spec({"log.interval_s=1,2"})),
                    Catch::Contains("leaves out name, threads and log.*"));
}

TEST_CASE("bad sweep files are reported with file, line and key", "[sweep]") {
  const std::string dir = scratch("bad");
  CHECK_THROWS_WITH(
      load_sweep_file(write(dir + "/a.yaml", "base: " + kTiny + "\ngird: {seed: [1]}\n")),
      Catch::Contains("a.yaml:2: unknown sweep key 'gird'"));
  CHECK_THROWS_WITH(
      load_sweep_file(write(dir + "/b.yaml", "base: " + kTiny + "\ngrid: {seed: 3}\n")),
      Catch::Contains("b.yaml:2: grid.seed: expected a non-empty list"));
  CHECK_THROWS_WITH(load_sweep_file(write(dir + "/c.yaml", "base: nope.yaml\n")),
                    Catch::Contains("relative to the sweep file"));
  CHECK_THROWS_WITH(
      load_sweep_file(
          write(dir + "/d.yaml", "base: " + kTiny + "\nzip: {seed: [1, 2], train.lr: [1]}\n")),
      Catch::Contains("equal length"));
  CHECK(is_sweep_file(dir + "/a.yaml"));
  CHECK_FALSE(is_sweep_file(kTiny));
}

TEST_CASE("the CPU budget never runs more threads than cores", "[sweep]") {
  CHECK(plan_cpu_budget(0, 0, 2, 10).jobs == 2);
  CHECK(plan_cpu_budget(0, 0, 2, 10).threads_per_run == 1);
  CHECK(plan_cpu_budget(0, 0, 8, 2).threads_per_run == 4);  // few points: more threads each
  CHECK(plan_cpu_budget(1, 0, 2, 10).threads_per_run == 2);
  CHECK(plan_cpu_budget(0, 2, 2, 10).jobs == 1);
  CHECK_THROWS_WITH(plan_cpu_budget(2, 2, 2, 10), Catch::Contains("only 2 cores"));
  CHECK_THROWS_AS(plan_cpu_budget(3, 0, 2, 10), SweepError);
}

TEST_CASE("progress lines of hitnet-run are followed", "[sweep]") {
  PointProgress p;
  CHECK(update_progress(p, "epoch 2/13 batch 400/1327 loss 4.85 ppl 127.3 tok/s 6100 eta 3m12s"));
  CHECK(p.epoch == 2);
  CHECK(p.epochs == 13);
  CHECK(p.batch == 400);
  CHECK(p.train_ppl == Approx(127.3));
  CHECK(p.eta_s == Approx(192));
  CHECK(update_progress(
      p, "epoch 2/13 done: lr 20 train ppl 150.1 valid ppl 140.2 tok/s 6100 (3m12s)"));
  CHECK(p.valid_ppl == Approx(140.2));
  CHECK_FALSE(update_progress(p, "results: somewhere"));
  CHECK(parse_duration("1h04m") == Approx(3840));
  CHECK(parse_duration("soon") == -1);
}

TEST_CASE("the collected table has config keys, status and metrics", "[sweep]") {
  const std::string dir = scratch("collect");
  const SweepSpec spec = tiny_spec({"seed=1,2"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  // Point 1 finished: config, results.h5 and summary, as hitnet-run leaves them.
  fake_ended_run(index.points[0], "finished", 101.5);
  index = plan_sweep(spec, resolve_points(spec), dir);
  CHECK(index.points[0].status == "finished");
  CHECK(index.points[1].status == "pending");
  index.points[1].status = "failed";
  index.points[1].exit_code = 1;
  write_index(index);

  const SweepTable t = collect_table(read_index(dir));
  REQUIRE(t.columns.size() >= 3);
  CHECK(t.columns[0] == "seed");
  CHECK(t.columns[1] == "status");
  REQUIRE(t.rows.size() == 2);
  const auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), name) -
                               t.columns.begin());
  };
  CHECK(t.rows[0][col("status")] == "finished");
  CHECK(t.rows[0][col("test_ppl")] == "101.5");
  CHECK(t.rows[0][col("epochs_run")] == "3");
  CHECK(t.rows[1][col("status")] == "failed");
  CHECK(t.rows[1][col("test_ppl")].empty());
  CHECK(t.rows[1][col("exit_code")] == "1");

  const std::string csv = to_csv({{"a", "b"}, {{"x,y", "say \"hi\""}}});
  CHECK(csv == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
  CHECK(to_markdown({{"a"}, {{"p|q"}}}) == "| a |\n|---|\n| p\\|q |\n");
}

TEST_CASE("a resumed point runs with the thread count of the session that resumes it", "[sweep]") {
  const std::string dir = scratch("threads");
  const SweepSpec spec = tiny_spec({"seed=1,2"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  fake_interrupted_run(index.points[0]);
  index = plan_sweep(spec, resolve_points(spec), dir);
  const PointRecord& resumed = index.points[0];
  REQUIRE(resumed.state.next == NextStep::kResume);
  CHECK(point_command("hitnet-run", index, resumed, 3) ==
        std::vector<std::string>{"hitnet-run", "--resume", resumed.dir, "--threads", "3"});
  const auto fresh = point_command("hitnet-run", index, index.points[1], 2);
  CHECK(std::find(fresh.begin(), fresh.end(), "--threads") + 1 ==
        std::find(fresh.begin(), fresh.end(), "2"));
}

TEST_CASE("one table maps hitnet-run's exit codes to statuses and back", "[sweep]") {
  CHECK(status_of_exit_code(0) == status::kFinished);
  CHECK(status_of_exit_code(1) == status::kFailed);
  CHECK(status_of_exit_code(2) == status::kBadConfig);
  CHECK(status_of_exit_code(3) == status::kDiverged);
  CHECK(status_of_exit_code(130) == status::kInterrupted);
  CHECK(status_of_exit_code(137) == status::kFailed);  // SIGKILL
  CHECK(status_of_exit_code(127) == status::kFailed);  // could not be started
  for (const ExitMeaning& m : kExitTable) CHECK(exit_code_of_status(m.status) == m.code);
  CHECK(exit_code_of_status(status::kRunning) == -1);
  CHECK(exit_code_of_status(status::kSubmitted) == -1);
}

TEST_CASE("ended Slurm tasks are read from sacct first, scontrol for the rest", "[sweep]") {
  // sacct -n -P -X -o JobID,State,ExitCode: a cancelled task's state has words after it, a
  // signal makes the code 128 + signal, a still-running array's summary line is no task.
  auto tasks = parse_sacct_tasks(
      "123_0|COMPLETED|0:0\n123_1|FAILED|1:0\n123_2|CANCELLED by 0|0:15\n"
      "123_3|TIMEOUT|0:0\n123_[4-5]|PENDING|0:0\n");
  REQUIRE(tasks.size() == 4);
  CHECK(tasks["123_0"].state == "COMPLETED");
  CHECK(tasks["123_0"].exit_code == 0);
  CHECK(tasks["123_1"].exit_code == 1);
  CHECK(tasks["123_2"].state == "CANCELLED");
  CHECK(tasks["123_2"].exit_code == 128 + 15);
  CHECK(tasks["123_3"].state == "TIMEOUT");
  // scontrol adds what sacct did not list and never overrides it.
  add_scontrol_tasks("123",
                     "JobId=130 ArrayJobId=123 ArrayTaskId=1 JobName=x JobState=COMPLETED "
                     "Reason=None ExitCode=0:0 DerivedExitCode=0:0\n"
                     "JobId=131 ArrayJobId=123 ArrayTaskId=6 JobName=x JobState=FAILED "
                     "Reason=NonZeroExitCode ExitCode=2:0 DerivedExitCode=0:0\n",
                     tasks);
  REQUIRE(tasks.size() == 5);
  CHECK(tasks["123_1"].state == "FAILED");
  CHECK(tasks["123_6"].state == "FAILED");
  CHECK(tasks["123_6"].exit_code == 2);
  CHECK(parse_sacct_tasks("sacct: error: Slurm accounting storage is disabled\n").empty());
}

TEST_CASE("Slurm time limits are read as sbatch reads them", "[sweep]") {
  CHECK(slurm_time_seconds("30") == 1800);
  CHECK(slurm_time_seconds("1") == 60);
  CHECK(slurm_time_seconds("1:30") == 90);
  CHECK(slurm_time_seconds("2:00:00") == 7200);
  CHECK(slurm_time_seconds("1-12") == 129600);
  CHECK(slurm_time_seconds("1-0:30") == 88200);
  CHECK(slurm_time_seconds("1-00:00:10") == 86410);
  CHECK(slurm_time_seconds("UNLIMITED") == -1);
  CHECK(slurm_time_seconds("2h") == -1);
}

TEST_CASE("each sweep directory has its own Slurm job name", "[sweep]") {
  CHECK(slurm_job_name("s", "/a/b") == slurm_job_name("s", "/a/b"));
  CHECK(slurm_job_name("s", "/a/b") != slurm_job_name("s", "/a/c"));
  CHECK(slurm_job_name("my sweep", "/a").rfind("hitnet-my-sweep-", 0) == 0);
}

TEST_CASE("the Slurm array script checkpoints at the time limit and resumes with its threads",
          "[sweep]") {
  const std::string dir = scratch("slurm script/with space");
  const SweepSpec spec = tiny_spec({"seed=1,2"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  fake_interrupted_run(index.points[1]);
  index = plan_sweep(spec, resolve_points(spec), dir);
  SlurmOptions options;
  options.hitnet_run = "/opt/hitnet/bin/hitnet-run";
  options.cpus_per_task = 4;
  options.time = "1:00:00";
  const std::vector<const PointRecord*> pending{&index.points[0], &index.points[1]};
  const std::string text = array_script_text(index, pending, options, "/work dir/x");
  const auto has = [&](const std::string& what) { return text.find(what) != std::string::npos; };
  CHECK(has("#SBATCH --signal=B:USR1@" + std::to_string(kDefaultSignalLeadS) + "\n"));
  CHECK(has("#SBATCH --requeue\n"));
  CHECK(has("#SBATCH --open-mode=append\n"));
  CHECK(has("#SBATCH --output=\"" + index.directory + "/slurm/%A_%a.out\"\n"));
  CHECK(has("#SBATCH --chdir=\"/work dir/x\"\n"));
  CHECK(has("#SBATCH --job-name=\"" + slurm_job_name("t", index.directory) + "\"\n"));
  CHECK(has("#SBATCH --cpus-per-task=4\n"));
  // The resumed point keeps the task's CPUs as its threads, as the started one does.
  CHECK(has("resume=( '/opt/hitnet/bin/hitnet-run' '--resume' '" + index.points[1].dir +
            "' '--threads' '4' )"));
  CHECK(has("'--threads' '4' '--out' '" + index.points[0].dir + "' '--force' )"));
  CHECK(has("first=resume"));
  CHECK(has("\"$hitnet_run\" --version"));  // the CPU check runs on the node first
  CHECK(has("scontrol requeue"));
  CHECK_FALSE(has(": > "));  // output.log is appended to, never truncated

  // It is valid bash.
  const std::string script = dir + "/array.sh";
  std::ofstream(script) << text;
  CHECK(std::system(("bash -n '" + script + "'").c_str()) == 0);

  options.requeue = false;
  CHECK(array_script_text(index, pending, options, "/w").find("#SBATCH --no-requeue\n") !=
        std::string::npos);
  CHECK_THROWS_WITH(array_script_text(index, pending, options, "/a \"quoted\" dir"),
                    Catch::Contains("double quote"));
}

TEST_CASE("damaged runs are reported and not counted as done", "[sweep]") {
  const std::string dir = scratch("damaged");
  const SweepSpec spec = tiny_spec({"seed=1,2,3"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  // 1: a garbage summary.json; 2: finished, but results.h5 cut short; 3: finished and whole.
  fake_ended_run(index.points[0], "finished", 100.0);
  std::ofstream(index.points[0].dir + "/summary.json") << "{\"status\": \"fini";
  fake_ended_run(index.points[1], "finished", 100.0);
  fs::resize_file(index.points[1].dir + "/results.h5", 1000);
  fake_ended_run(index.points[2], "finished", 101.123456789012);
  for (PointRecord& r : index.points) r.status = status::kFinished;
  write_index(index);

  const SweepIndex again = plan_sweep(spec, resolve_points(spec), dir);
  CHECK(again.points[0].state.next != NextStep::kNothing);
  CHECK(again.points[1].state.next == NextStep::kStart);
  CHECK(again.points[1].state.damage.find("results.h5") != std::string::npos);
  CHECK(again.points[2].state.next == NextStep::kNothing);

  const SweepTable t = collect_table(read_index(dir));
  CHECK(t.rows[0][column(t, "status")] == "damaged");
  CHECK(t.rows[0][column(t, "test_ppl")].empty());
  CHECK(t.rows[1][column(t, "status")] == "damaged");
  CHECK(t.rows[1][column(t, "test_ppl")].empty());
  CHECK(t.rows[2][column(t, "status")] == "finished");
  // Full precision, not 6 significant digits.
  CHECK(t.rows[2][column(t, "test_ppl")] == "101.123456789012");
  // It finished with nobody watching (no exit code recorded): its status says what it was.
  CHECK(t.rows[2][column(t, "exit_code")] == "0");
  CHECK(to_markdown(t).find("101.123") != std::string::npos);
  CHECK(to_markdown(t).find("101.123456789012") == std::string::npos);
}

TEST_CASE("a point's run is found by its config, whatever name an older hitnet gave it",
          "[sweep]") {
  // A hitnet that has since learnt a key names the same experiment with another hash; the run
  // an older one made (config.yaml without the key) must still be resumed or counted as done.
  const std::string dir = scratch("renamed");
  const SweepSpec spec = tiny_spec({"seed=1,2,3"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  fake_interrupted_run(index.points[0]);
  fake_ended_run(index.points[1], "finished", 100.0);
  const std::string old_names[] = {dir + "/runs/seed=1_0123456789ab",
                                   dir + "/runs/seed=2_ba9876543210"};
  fs::rename(index.points[0].dir, old_names[0]);
  fs::rename(index.points[1].dir, old_names[1]);
  // The new point directory exists but holds nothing to keep: the old run wins.
  fs::create_directories(index.points[1].dir);
  const SweepIndex again = plan_sweep(spec, resolve_points(spec), dir);
  CHECK(again.points[0].dir == old_names[0]);
  CHECK(again.points[0].state.next == NextStep::kResume);
  CHECK(again.points[1].dir == old_names[1]);
  CHECK(again.points[1].state.next == NextStep::kNothing);
  CHECK(again.points[2].dir == index.points[2].dir);
  CHECK(again.points[2].state.next == NextStep::kStart);
}

TEST_CASE("an index an older hitnet wrote still knows its finished runs", "[sweep]") {
  // The index and the run's summary.json carry the older hitnet's hash; this hitnet hashes the
  // run's config.yaml otherwise (a key added since). --collect must say finished, not failed.
  const std::string dir = scratch("older_index");
  const SweepSpec spec = tiny_spec({"seed=1,2,3"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  const std::string older = "0123456789ab";
  for (PointRecord& r : index.points) {
    fake_ended_run(r, "finished", 100.0);
    r.point.hash = older;
    r.status = status::kFinished;
  }
  nlohmann::json summary =
      nlohmann::json::parse(std::ifstream(index.points[0].dir + "/summary.json"));
  summary["config_hash"] = older;  // point 1 recorded the older hash, point 2 another run's
  std::ofstream(index.points[0].dir + "/summary.json") << summary.dump(2);
  summary["config_hash"] = "ba9876543210";
  std::ofstream(index.points[1].dir + "/summary.json") << summary.dump(2);
  // Point 3: a config.yaml this hitnet no longer reads (a key since removed), its own hash right.
  summary["config_hash"] = older;
  std::ofstream(index.points[2].dir + "/summary.json") << summary.dump(2);
  std::ofstream(index.points[2].dir + "/config.yaml", std::ios::app) << "no_such_key: 1\n";
  write_index(index);
  const SweepIndex read = read_index(dir);
  CHECK(read.points[0].state.next == NextStep::kNothing);
  CHECK(current_status(read.points[0]) == status::kFinished);
  CHECK(read.points[1].state.next == NextStep::kStart);  // not the run the index names
  CHECK(current_status(read.points[2]) == status::kFinished);
}

TEST_CASE("a run whose process is gone is settled by what its directory holds", "[sweep]") {
  const std::string dir = scratch("gone");
  const SweepSpec spec = tiny_spec({"seed=1,2"});
  SweepIndex index = plan_sweep(spec, resolve_points(spec), dir);
  fake_interrupted_run(index.points[0]);
  fs::create_directories(index.points[1].dir);
  std::ofstream(index.points[1].dir + "/summary.json") << R"({"status": "running"})";
  index = plan_sweep(spec, resolve_points(spec), dir);
  for (PointRecord& r : index.points) r.status = status::kRunning;  // its session died
  CHECK(current_status(index.points[0]) == status::kInterrupted);
  CHECK(current_exit_code(index.points[0]) == exit_code::kInterrupted);
  CHECK(current_status(index.points[1]) == status::kFailed);
  // How a session saw it end stands while the directory has not moved on.
  index.points[0].status = status::kFailed;
  CHECK(current_status(index.points[0]) == status::kFailed);
}

TEST_CASE("a run directory is live while a process holds its lock", "[sweep]") {
  const std::string dir = scratch("live");
  CHECK_FALSE(run_is_live(dir));  // no lock file at all
  const int fd = ::open((dir + "/.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  REQUIRE(::write(fd, "4242", 4) == 4);
  CHECK(run_is_live(dir));
  CHECK(lock_holder_pid(dir) == 4242);
  CHECK(inspect_run(dir, "x").live);
  ::close(fd);
  CHECK_FALSE(run_is_live(dir));
}

TEST_CASE("a followed log yields only complete new lines", "[sweep]") {
  const std::string dir = scratch("follow");
  const std::string path = dir + "/output.log";
  std::ofstream(path) << "from an earlier session\n";
  LogFollower follower(path);
  CHECK(follower.new_lines().empty());
  std::ofstream(path, std::ios::app) << "epoch 1/2 batch 3/10 loss 1 ppl 2.7 tok/s 1 eta 5s\nepo";
  CHECK(follower.new_lines() ==
        std::vector<std::string>{"epoch 1/2 batch 3/10 loss 1 ppl 2.7 tok/s 1 eta 5s"});
  std::ofstream(path, std::ios::app) << "ch 1/2 done\r";
  CHECK(follower.new_lines() == std::vector<std::string>{"epoch 1/2 done"});
}
