// One option of `faq quantize`, declared once: its flag, YAML key, type, default, help and
// check. The same declaration feeds the command line, `--config` YAML, `--help`, the
// pipeline's quantize sections and the exported `quantization_config`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace faq {

using OptionValue = std::variant<bool, int64_t, double, std::string>;

enum class OptionType { kBool, kInt, kFloat, kString };

struct OptionSpec {
  std::string_view flag;  // kebab-case long flag without "--": "group-size" (YAML: group_size)
  OptionType type = OptionType::kString;
  OptionValue default_value;
  std::string_view help;
  // The value's constraint: returns what was expected ("2, 3, 4 or 8") when `v` breaks it,
  // an empty string otherwise. Null: any value of the type.
  std::string (*check)(const OptionValue& v) = nullptr;
  std::string_view negation;          // bool options: the flag that sets false ("asym" for "sym")
  std::string_view quant_config_key;  // written into the checkpoint's quantization_config under
                                      // this key (empty: not written)
};

// "group_size" for "group-size".
std::string YamlKey(std::string_view flag);
// The flag that sets a boolean option false: its `negation`, else "no-<flag>".
std::string NegationOf(const OptionSpec& spec);
// The command-line arguments that give `value` to the option: {"--flag"} or {"--negation"}
// for booleans, {"--flag", "value"} otherwise.
std::vector<std::string> ToFlags(const OptionSpec& spec, const OptionValue& value);
// "INT", "FLOAT", "BOOL", "TEXT": the value hint of --help.
std::string_view TypeHint(OptionType type);

// Parses `text` as the option's type and checks it. Throws faq::UsageError, prefixed by
// `where` ("--bits" or "file.yaml: bits"), naming the expected value.
OptionValue ParseOptionText(const OptionSpec& spec, std::string_view text, std::string_view where);
// Checks an already typed value (from YAML or JSON): an integer is accepted for a float
// option; anything else of the wrong type throws like ParseOptionText.
OptionValue CheckOptionValue(const OptionSpec& spec, OptionValue value, std::string_view where);
// The value as a flag argument or help default: "true", "4", "0.01", "gptq".
std::string FormatOptionValue(const OptionValue& value);

}  // namespace faq
