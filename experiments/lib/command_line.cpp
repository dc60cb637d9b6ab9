#include "experiments/lib/command_line.hpp"

#include <filesystem>
#include <iostream>

namespace hitnet {

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string program =
        argc > 0 ? std::filesystem::path(argv[0]).filename().string() : app.get_name();
    std::cerr << program << ": " << e.what() << "\nRun " << program << " --help for the options.\n";
    return kUsageExit;
  }
}

}  // namespace hitnet
