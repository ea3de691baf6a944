#pragma once

#include "server/config.hpp"

namespace tessera {

// Builds the engine, worker pool and listener from `config` and serves until SIGINT/SIGTERM;
// then stops accepting, lets in-flight requests finish within the grace period, and returns 0.
// Start-up failures (bad root, port in use) are reported on stderr and give exit code 1.
int run_server(const Config& config);

}  // namespace tessera
