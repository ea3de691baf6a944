#pragma once
// Log set-up: one sink (stderr, a file or syslog) shared by the server log and the access log.

#include <spdlog/logger.h>

#include <memory>

#include "server/config.hpp"

namespace tessera {

// Throws spdlog::spdlog_ex if the log file cannot be opened.
void setup_logging(const Config& config);

// One line per request: client, method, target, status, bytes, microseconds, cache outcome.
spdlog::logger& access_log();

}  // namespace tessera
