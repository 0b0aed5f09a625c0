// MethodOptions: every registered method option, at its declared default until set.
#include <fmt/format.h>

#include "faq/quant/method.h"
#include "faq/util/error.h"

namespace faq {

MethodOptions::MethodOptions() {
  for (const auto& row : MethodTable()) {
    for (const auto& spec : row.options) values_.emplace(YamlKey(spec.flag), spec.default_value);
  }
}

void MethodOptions::Set(const std::string& key, OptionValue value) {
  auto it = values_.find(key);
  FAQ_CHECK(it != values_.end(), "'{}' is not a registered method option", key);
  FAQ_CHECK(it->second.index() == value.index(), "method option '{}' set with the wrong type", key);
  it->second = std::move(value);
}

const OptionValue& MethodOptions::Get(const std::string& key) const {
  auto it = values_.find(key);
  FAQ_CHECK(it != values_.end(), "'{}' is not a registered method option", key);
  return it->second;
}

bool MethodOptions::GetBool(const std::string& key) const { return std::get<bool>(Get(key)); }
int64_t MethodOptions::GetInt(const std::string& key) const { return std::get<int64_t>(Get(key)); }
double MethodOptions::GetFloat(const std::string& key) const { return std::get<double>(Get(key)); }

}  // namespace faq
