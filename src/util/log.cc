// SetupLogging: one stderr sink, coloured on a terminal.
#include "faq/util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "faq/util/error.h"

namespace faq {

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("faq");
  logger->set_pattern("%^[%H:%M:%S %L]%$ %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw UsageError(fmt::format("--log-level: expected trace|debug|info|warn|error|off, got '{}'", level));
  }
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
}

}  // namespace faq
