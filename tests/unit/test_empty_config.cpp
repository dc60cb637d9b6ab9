// A config file without any key (empty, only comments, `{}`) is refused, naming the file: it
// would otherwise silently start a full run of nothing but defaults.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/config/load.hpp"

using namespace hitnet;
namespace fs = std::filesystem;

TEST_CASE("a config file without keys is refused, naming the file", "[config]") {
  const fs::path dir = fs::temp_directory_path() / ("hitnet_empty_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const std::string text : {"", "\n\n", "# just a comment\n", "{}\n", "---\n"}) {
    const std::string path = (dir / "empty.yaml").string();
    std::ofstream(path) << text;
    INFO("'" << text << "'");
    CHECK_THROWS_WITH(load_config(path, {"train.epochs=1"}),
                      Catch::StartsWith(path + ": the config file is empty"));
  }
  const std::string one_key = (dir / "one.yaml").string();
  std::ofstream(one_key) << "name: x\n";
  CHECK(load_config(one_key).name == "x");
  fs::remove_all(dir);
}
