// Catch2's runner for hitnet-infer-tests, the inference library's tests. The executable links
// hitnet_infer alone: that it links at all shows the library needs no training code.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
