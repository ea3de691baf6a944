// tessera: reads its configuration, sets up logging and runs the server.

#include <cstdio>

#include "server/config.hpp"
#include "server/logging.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  const auto outcome =
      tessera::load_config(args, tessera::process_environment(), TESSERA_SAMPLE_DIR);
  switch (outcome.action) {
    case tessera::ConfigOutcome::Action::exit_ok:
      std::printf("%s\n", outcome.message.c_str());
      return 0;
    case tessera::ConfigOutcome::Action::exit_error:
      std::fprintf(stderr, "tessera: %s\n", outcome.message.c_str());
      return 2;
    case tessera::ConfigOutcome::Action::run:
      break;
  }
  try {
    tessera::setup_logging(outcome.config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: invalid logfile: %s\n", e.what());
    return 2;
  }
  return tessera::run_server(outcome.config);
}
