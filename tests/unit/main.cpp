// Catch2's runner: the single translation unit that defines main() for hitnet-tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
