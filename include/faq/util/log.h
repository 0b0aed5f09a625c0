// Logging setup: spdlog to stderr (stdout is for results).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace faq {

// Installs the stderr logger. `level` is one of trace, debug, info, warn, error, off;
// throws UsageError otherwise. The FAQ_LOG_LEVEL environment variable is the default.
void SetupLogging(const std::string& level);

}  // namespace faq
