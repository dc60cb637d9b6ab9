#pragma once
// One command-line convention for every program: --help and --version print and exit 0; any
// error (an unknown option, a value of the wrong type or out of range, a missing value) prints
// "PROGRAM: what is wrong" and a pointer to --help on stderr and exits 2, as the README
// promises, instead of CLI11's own codes (104-114).
#include <CLI/CLI.hpp>
#include <optional>

#include "experiments/lib/exit_codes.hpp"

namespace hitnet {

// Parses argv into `app`. nullopt: go on. Otherwise the program should return that status.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// The exit status of a command-line error, for checks a program makes after parsing.
constexpr int kUsageExit = exit_code::kBadConfig;

}  // namespace hitnet
