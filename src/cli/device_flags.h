// --device and --dtype, declared once (faq/model/device.h) and added to every command that
// runs a forward pass outside faq quantize's table (eval ppl, serve).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace faq::cli {

// Adds both options; values are checked at parse time (exit 2 with the expected values).
// `dtype_default` is this command's default dtype.
void AddDeviceFlags(CLI::App* cmd, std::string& device, std::string& dtype, const char* dtype_default);

}  // namespace faq::cli
