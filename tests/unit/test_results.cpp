// Results: histograms and statistics, the HDF5 results file (read back through the HDF5 C
// API), resume truncation, status, summary.json. tests/analysis reads the same files from Python.
#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/io/hdf5.hpp"
#include "core/io/results_file.hpp"
#include "core/io/summary_json.hpp"
#include "core/stats/histogram.hpp"

namespace fs = std::filesystem;
using namespace hitnet;
using Catch::Matchers::Contains;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("hitnet-test-results-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

uint64_t sum(const std::vector<uint64_t>& v) {
  return std::accumulate(v.begin(), v.end(), uint64_t{0});
}

RunInfo sample_info() {
  return {"name: test\nmodel: {cell: lstm}\n", "abc123", "0.1.0", "deadbeef",
          "2024-01-01T00:00:00Z"};
}

EpochRow row_for(int epoch) {
  return {epoch,         20.0 / epoch, 5.0 - 0.1 * epoch, 150.0 - epoch,
          160.0 - epoch, 1e4 + epoch,  1.5 * epoch};
}

// Raw C API readers, independent of ResultsFile's writing code.
std::vector<double> read_dataset(hid_t file, const std::string& path) {
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  REQUIRE(ds >= 0);
  const hid_t space = H5Dget_space(ds);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  std::vector<double> v(n);
  if (n) REQUIRE(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Sclose(space);
  H5Dclose(ds);
  return v;
}

double read_double_attr(hid_t file, const std::string& object, const std::string& name) {
  double v = std::numeric_limits<double>::quiet_NaN();
  const hid_t a = H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(a >= 0);
  REQUIRE(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
  H5Aclose(a);
  return v;
}

// Whether every component of an absolute path exists (H5Lexists alone fails on a missing parent).
bool path_exists(hid_t file, const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
  }
}

hid_t open_read(const std::string& path) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  return f;
}

}  // namespace

TEST_CASE("histogram counts sum to the number of values and stats match", "[results]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0.5f, 2.0f);
  std::vector<float> x(10007);
  for (float& v : x) v = normal(rng);
  x[3] = 0.0f;
  const Histogram h = make_histogram(x.data(), x.size(), 33);
  REQUIRE(h.counts.size() == 33);
  REQUIRE(h.edges.size() == 34);
  CHECK(sum(h.counts) == x.size());
  CHECK(h.stats.count == x.size());
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  CHECK(h.stats.min == *lo);
  CHECK(h.stats.max == *hi);
  CHECK(h.edges.front() == *lo);
  CHECK(h.edges.back() == *hi);
  double mean = 0;
  for (float v : x) mean += v;
  mean /= double(x.size());
  double var = 0;
  for (float v : x) var += (v - mean) * (v - mean);
  CHECK(h.stats.mean == Approx(mean).epsilon(1e-12));
  CHECK(h.stats.std == Approx(std::sqrt(var / double(x.size()))).epsilon(1e-12));
  CHECK(h.stats.frac_zero == Approx(1.0 / double(x.size())));
  CHECK(h.stats.level_values.empty());  // continuous values: no levels
  // Each value lands in the bin whose edges enclose it.
  const float probe = x[100];
  const auto bin =
      std::size_t(std::upper_bound(h.edges.begin(), h.edges.end(), probe) - h.edges.begin()) - 1;
  CHECK(h.counts[std::min(bin, h.counts.size() - 1)] > 0);
}

TEST_CASE("histogram of a ternary tensor reports its three levels", "[results]") {
  std::vector<float> x;
  x.insert(x.end(), 30, -0.25f);
  x.insert(x.end(), 50, 0.0f);
  x.insert(x.end(), 20, 0.25f);
  const Histogram h = make_histogram(x.data(), x.size(), 101);
  CHECK(sum(h.counts) == 100);
  CHECK(std::count_if(h.counts.begin(), h.counts.end(), [](uint64_t c) { return c > 0; }) == 3);
  CHECK(h.counts.front() == 30);
  CHECK(h.counts.back() == 20);
  REQUIRE(h.stats.level_values == std::vector<double>{-0.25, 0.0, 0.25});
  CHECK(h.stats.level_fractions[0] == Approx(0.3));
  CHECK(h.stats.level_fractions[1] == Approx(0.5));
  CHECK(h.stats.level_fractions[2] == Approx(0.2));
  CHECK(h.stats.frac_zero == Approx(0.5));
}

TEST_CASE("histogram handles constant, empty and non-finite input", "[results]") {
  const std::vector<float> constant(10, 3.0f);
  const Histogram c = make_histogram(constant.data(), constant.size(), 5);
  CHECK(c.edges.front() == 2.5);
  CHECK(c.edges.back() == 3.5);
  CHECK(sum(c.counts) == 10);
  CHECK(c.stats.std == 0.0);
  CHECK(c.stats.level_values == std::vector<double>{3.0});

  const Histogram e = make_histogram(nullptr, 0, 4);
  CHECK(sum(e.counts) == 0);
  CHECK(e.edges.size() == 5);
  CHECK(std::isnan(e.stats.mean));

  const std::vector<float> with_nan = {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f,
                                       std::numeric_limits<float>::infinity()};
  const Histogram n = make_histogram(with_nan.data(), with_nan.size(), 4);
  CHECK(n.stats.count == 4);
  CHECK(n.stats.nonfinite == 2);
  CHECK(sum(n.counts) == 2);
  CHECK(n.stats.mean == 1.5);
  CHECK(n.stats.level_values.empty());

  CHECK_THROWS_WITH(make_histogram(constant.data(), constant.size(), 0), Contains("bins"));
}

TEST_CASE("histogram accumulator bins everything it was given", "[results]") {
  HistogramAccumulator acc;
  const std::vector<float> a = {0.0f, 1.0f}, b = {-3.0f, 5.0f, 2.0f};
  acc.add(a.data(), a.size());
  acc.add(b.data(), b.size());
  const Histogram h = acc.histogram(8);
  CHECK(sum(h.counts) == 5);
  CHECK(h.edges.front() == -3.0);
  CHECK(h.edges.back() == 5.0);
}

TEST_CASE("results file holds attributes, metrics, histograms and final metrics", "[results]") {
  TempDir dir("write");
  const std::string path = dir.file("results.h5");
  ResultsFile file = ResultsFile::create(path, sample_info());
  {
    const hid_t f = open_read(path);
    CHECK(h5::read_string_attr(f, "status") == "running");
    CHECK(h5::read_string_attr(f, "config") == sample_info().config_yaml);
    CHECK(h5::read_int_attr(f, "schema_version") == kResultsSchemaVersion);
    CHECK(read_dataset(f, "/metrics/epoch").empty());
    H5Fclose(f);
  }
  for (int epoch = 1; epoch <= 3; ++epoch) file.append_epoch(row_for(epoch));
  std::vector<float> w(4 * 30 * 30);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = float(i % 3) - 1.0f;  // ternary levels
  file.write_histogram(2, "weights", "lstm0.w_hh", "quantized",
                       make_histogram(w.data(), w.size(), 101));
  FinalMetrics final_metrics;
  final_metrics.best_valid_ppl = 140.5, final_metrics.best_epoch = 2, final_metrics.epochs_run = 3;
  final_metrics.test_ppl = 138.5, final_metrics.test_ppl_std = 0.75,
  final_metrics.eval_samples = 10;
  final_metrics.eval_mode = "sample";
  final_metrics.test_by_mode = {{"deterministic", 138.25, 0, 1}, {"sample", 138.5, 0.75, 10}};
  file.finish(final_metrics, "finished");

  const hid_t f = open_read(path);
  CHECK(h5::read_string_attr(f, "status") == "finished");
  CHECK_FALSE(h5::read_string_attr(f, "finished").empty());
  CHECK(h5::read_string_attr(f, "git_revision") == "deadbeef");
  CHECK(read_dataset(f, "/metrics/epoch") == std::vector<double>{1, 2, 3});
  CHECK(read_dataset(f, "/metrics/valid_ppl") == std::vector<double>{159, 158, 157});
  CHECK(read_dataset(f, "/metrics/lr")[2] == 20.0 / 3);
  CHECK(read_dataset(f, "/metrics/wall_s") == std::vector<double>{1.5, 3.0, 4.5});
  const std::string g = "/histograms/epoch_0002/weights/lstm0.w_hh/quantized";
  const std::vector<double> counts = read_dataset(f, g + "/counts");
  CHECK(std::accumulate(counts.begin(), counts.end(), 0.0) == double(w.size()));
  CHECK(read_dataset(f, g + "/edges").size() == 102);
  CHECK(std::count_if(counts.begin(), counts.end(), [](double c) { return c > 0; }) == 3);
  CHECK(read_double_attr(f, g, "count") == double(w.size()));
  CHECK(read_double_attr(f, g, "min") == -1.0);
  CHECK(read_double_attr(f, g, "frac_zero") == Approx(1.0 / 3));
  CHECK(read_double_attr(f, "/final", "test_ppl") == 138.5);
  CHECK(read_double_attr(f, "/final", "test_ppl_deterministic") == 138.25);
  CHECK(read_double_attr(f, "/final", "test_ppl_sample_passes") == 10);
  CHECK(h5::read_string_attr(h5::open_group(f, "final"), "eval_mode") == "sample");
  CHECK(read_double_attr(f, "/final", "eval_samples") == 10);
  CHECK(read_double_attr(f, "/final", "test_ppl_std") == 0.75);
  H5Fclose(f);
  // Every update renames its temporary copy over the file: nothing is left beside it.
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("reopen for resume drops later epochs and final metrics", "[results]") {
  TempDir dir("reopen");
  const std::string path = dir.file("results.h5");
  {
    ResultsFile file = ResultsFile::create(path, sample_info());
    const std::vector<float> x = {1.0f, 2.0f, 3.0f};
    for (int epoch = 1; epoch <= 5; ++epoch) {
      EpochRow row = row_for(epoch);
      if (epoch >= 2) row.extra = {{"qerr.lstm0.w_hh", 0.1 * epoch}};  // a series from epoch 2
      file.append_epoch(row);
      if (epoch % 2 == 0) {
        file.write_histogram(epoch, "activations", "lstm0.i", "post",
                             make_histogram(x.data(), 3, 4));
      }
    }
    file.finish(FinalMetrics{}, "finished");
  }
  std::ofstream(path + ".tmp.999999") << "left by a writer killed during an update";
  ResultsFile resumed = ResultsFile::reopen(path, 3);
  CHECK_FALSE(fs::exists(path + ".tmp.999999"));
  {
    const hid_t f = open_read(path);
    CHECK(h5::read_string_attr(f, "status") == "running");
    CHECK(h5::read_string_attr(f, "finished").empty());
    CHECK_FALSE(path_exists(f, "/final"));
    CHECK(read_dataset(f, "/metrics/epoch") == std::vector<double>{1, 2, 3});
    CHECK(read_dataset(f, "/metrics/train_ppl") == std::vector<double>{149, 148, 147});
    const auto qerr = read_dataset(f, "/metrics/qerr.lstm0.w_hh");  // truncated alike
    REQUIRE(qerr.size() == 3);
    CHECK(std::isnan(qerr[0]));  // before the series existed
    CHECK(qerr[2] == Approx(0.3));
    CHECK(path_exists(f, "/histograms/epoch_0002/activations/lstm0.i/post/counts"));
    CHECK_FALSE(path_exists(f, "/histograms/epoch_0004"));
    H5Fclose(f);
  }
  resumed.append_epoch(row_for(4));  // without the extra series: it reads NaN there
  const hid_t f = open_read(path);
  CHECK(read_dataset(f, "/metrics/epoch") == std::vector<double>{1, 2, 3, 4});
  CHECK(std::isnan(read_dataset(f, "/metrics/qerr.lstm0.w_hh")[3]));
  H5Fclose(f);
}

TEST_CASE("results file rejects bad calls with clear messages and stays intact", "[results]") {
  TempDir dir("errors");
  const std::string path = dir.file("results.h5");
  ResultsFile file = ResultsFile::create(path, sample_info());
  file.append_epoch(row_for(1));
  file.append_epoch(row_for(2));
  CHECK_THROWS_WITH(file.append_epoch(row_for(2)), Contains("epochs must increase"));
  const Histogram h = make_histogram(nullptr, 0, 3);
  CHECK_THROWS_WITH(file.write_histogram(1, "gradients", "x", "full", h), Contains("kind"));
  CHECK_THROWS_WITH(file.write_histogram(1, "weights", "x", "pre", h), Contains("full, quantized"));
  CHECK_THROWS_WITH(file.write_histogram(1, "weights", "a/b", "full", h), Contains("'/'"));
  CHECK_THROWS_WITH(file.finish({}, "done"), Contains("finished, failed or diverged"));
  CHECK_THROWS_WITH(ResultsFile::create(dir.file("missing/results.h5"), sample_info()),
                    Contains("missing/results.h5"));
  CHECK_THROWS_WITH(ResultsFile::reopen(dir.file("none.h5"), 1), Contains("does not exist"));

  // A file that is not HDF5: the error names it.
  std::ofstream(dir.file("junk.h5")) << "not hdf5";
  CHECK_THROWS_WITH(ResultsFile::reopen(dir.file("junk.h5"), 1), Contains("junk.h5"));

  const hid_t f = open_read(path);
  CHECK(read_dataset(f, "/metrics/epoch") == std::vector<double>{1, 2});
  CHECK(h5::read_string_attr(f, "status") == "running");
  H5Fclose(f);
}

TEST_CASE("a file that was never finished says running", "[results]") {
  TempDir dir("unfinished");
  const std::string path = dir.file("results.h5");
  {
    ResultsFile file = ResultsFile::create(path, sample_info());
    file.append_epoch(row_for(1));
  }  // destroyed without finish(), as when the trainer throws
  const hid_t f = open_read(path);
  CHECK(h5::read_string_attr(f, "status") == "running");
  CHECK_FALSE(path_exists(f, "/final"));
  H5Fclose(f);
}

TEST_CASE("summary.json is written whole with the headline numbers", "[results]") {
  TempDir dir("summary");
  const std::string path = dir.file("summary.json");
  FinalMetrics final_metrics;
  final_metrics.best_valid_ppl = 120.5, final_metrics.best_epoch = 6, final_metrics.epochs_run = 7;
  final_metrics.test_ppl = 118.0;
  nlohmann::json summary =
      summary_of(sample_info(), final_metrics, "finished", "2024-01-01T01:00:00Z");
  summary["name"] = "test";
  write_summary_json(path, summary);
  const nlohmann::json back = nlohmann::json::parse(std::ifstream(path));
  CHECK(back["test_ppl"] == 118.0);
  CHECK(back["epochs_run"] == 7);
  CHECK(back["status"] == "finished");
  CHECK(back["name"] == "test");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}
