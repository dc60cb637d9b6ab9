// The startup CPU check: a binary built with -march=native names the instruction set a CPU
// lacks and how to build portably, instead of dying of SIGILL.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "core/util/cpu_support.hpp"

using namespace hitnet;

TEST_CASE("this machine has every instruction set the binary was compiled for", "[cpu]") {
  int count = 0;
  const CpuFeature* features = compiled_cpu_features(count);
  CHECK(first_missing_cpu_feature(features, count) == nullptr);
#if defined(__x86_64__) && defined(__AVX2__)
  bool lists_avx2 = false;
  for (int i = 0; i < count; ++i) lists_avx2 |= std::string(features[i].name) == "avx2";
  CHECK(lists_avx2);  // a -march=native build on an AVX2 machine knows what it relies on
#endif
}

TEST_CASE("a missing instruction set is named, with the portable build", "[cpu]") {
  const CpuFeature features[] = {{"avx2", [] { return true; }},
                                 {"avx512f", [] { return false; }},
                                 {"avx512bw", [] { return false; }}};
  REQUIRE(first_missing_cpu_feature(features, 3) != nullptr);
  CHECK(std::string(first_missing_cpu_feature(features, 3)) == "avx512f");
  CHECK(first_missing_cpu_feature(features, 1) == nullptr);

  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  write_cpu_mismatch(out, "hitnet-run", "avx512f");
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  CHECK(text.rfind("hitnet-run: ", 0) == 0);
  CHECK(text.find("avx512f") != std::string::npos);
  CHECK(text.find("-DHITNET_NATIVE=OFF") != std::string::npos);
}
