// Parsing and checking option values against their declaration.
#include "faq/util/option_spec.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "faq/util/error.h"

namespace faq {
namespace {

std::string_view TypeName(OptionType type) {
  switch (type) {
    case OptionType::kBool: return "true or false";
    case OptionType::kInt: return "an integer";
    case OptionType::kFloat: return "a number";
    case OptionType::kString: return "a string";
  }
  return "";
}

[[noreturn]] void Refuse(const OptionSpec& spec, std::string_view text, std::string_view where,
                         std::string_view expected) {
  throw UsageError(fmt::format("{}: expected {}, got '{}'", where, expected.empty() ? TypeName(spec.type) : expected,
                               text));
}

}  // namespace

std::string YamlKey(std::string_view flag) {
  std::string key(flag);
  for (char& c : key) {
    if (c == '-') c = '_';
  }
  return key;
}

std::string NegationOf(const OptionSpec& spec) {
  return spec.negation.empty() ? "no-" + std::string(spec.flag) : std::string(spec.negation);
}

std::vector<std::string> ToFlags(const OptionSpec& spec, const OptionValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return {"--" + (*b ? std::string(spec.flag) : NegationOf(spec))};
  return {"--" + std::string(spec.flag), FormatOptionValue(value)};
}

std::string_view TypeHint(OptionType type) {
  switch (type) {
    case OptionType::kBool: return "BOOL";
    case OptionType::kInt: return "INT";
    case OptionType::kFloat: return "FLOAT";
    case OptionType::kString: return "TEXT";
  }
  return "";
}

OptionValue ParseOptionText(const OptionSpec& spec, std::string_view text, std::string_view where) {
  OptionValue v;
  switch (spec.type) {
    case OptionType::kBool:
      if (text == "true" || text == "True" || text == "1") v = true;
      else if (text == "false" || text == "False" || text == "0") v = false;
      else Refuse(spec, text, where, "");
      break;
    case OptionType::kInt: {
      int64_t i = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec != std::errc() || end != text.data() + text.size()) Refuse(spec, text, where, "");
      v = i;
      break;
    }
    case OptionType::kFloat: {
      const std::string s(text);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) Refuse(spec, text, where, "");
      v = d;
      break;
    }
    case OptionType::kString:
      v = std::string(text);
      break;
  }
  if (spec.check != nullptr) {
    if (std::string expected = spec.check(v); !expected.empty()) Refuse(spec, text, where, expected);
  }
  return v;
}

OptionValue CheckOptionValue(const OptionSpec& spec, OptionValue value, std::string_view where) {
  if (spec.type == OptionType::kFloat && std::holds_alternative<int64_t>(value)) {
    value = static_cast<double>(std::get<int64_t>(value));
  }
  const bool right_type = (spec.type == OptionType::kBool && std::holds_alternative<bool>(value)) ||
                          (spec.type == OptionType::kInt && std::holds_alternative<int64_t>(value)) ||
                          (spec.type == OptionType::kFloat && std::holds_alternative<double>(value)) ||
                          (spec.type == OptionType::kString && std::holds_alternative<std::string>(value));
  if (!right_type) Refuse(spec, FormatOptionValue(value), where, "");
  if (spec.check != nullptr) {
    if (std::string expected = spec.check(value); !expected.empty()) {
      Refuse(spec, FormatOptionValue(value), where, expected);
    }
  }
  return value;
}

std::string FormatOptionValue(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return v;
        else return fmt::format("{}", v);
      },
      value);
}

}  // namespace faq
