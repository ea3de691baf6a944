#include "server/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

namespace tessera {
namespace {
std::shared_ptr<spdlog::logger> access_logger;
}

void setup_logging(const Config& config) {
  spdlog::sink_ptr sink;
  if (config.logfile.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else if (config.logfile == "syslog") {
    sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("tessera", LOG_PID, LOG_DAEMON, false);
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.logfile);
  }
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  auto main_logger = std::make_shared<spdlog::logger>("tessera", sink);
  main_logger->set_level(config.log_level);
  main_logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(main_logger);

  access_logger = std::make_shared<spdlog::logger>("access", sink);
  access_logger->set_level(config.log_level);
}

spdlog::logger& access_log() {
  if (!access_logger) access_logger = spdlog::default_logger()->clone("access");
  return *access_logger;
}

}  // namespace tessera
