// AddDeviceFlags: CLI11 options over the shared OptionSpecs.
#include "cli/device_flags.h"

#include "faq/model/device.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

void Add(CLI::App* cmd, std::string& value, const OptionSpec& spec) {
  value = FormatOptionValue(spec.default_value);
  const std::string flag = "--" + std::string(spec.flag);
  cmd->add_option(flag, value, std::string(spec.help))
      ->capture_default_str()
      ->type_name(std::string(TypeHint(spec.type)))
      ->check(CLI::Validator(
          [spec, flag](std::string& text) {
            try {
              ParseOptionText(spec, text, flag);
              return std::string();
            } catch (const UsageError& e) {
              const std::string message = e.what();  // CLI11 names the flag itself
              return message.substr(message.find(": ") + 2);
            }
          },
          ""));
}

}  // namespace

void AddDeviceFlags(CLI::App* cmd, std::string& device, std::string& dtype, const char* dtype_default) {
  Add(cmd, device, DeviceOptionSpec());
  Add(cmd, dtype, DtypeOptionSpec(dtype_default));
}

}  // namespace faq::cli
