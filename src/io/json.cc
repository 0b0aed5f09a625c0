// ParseJson: one place where JSON text becomes values or a faq::Error.
#include "faq/io/json.h"

#include "faq/util/error.h"

namespace faq {
namespace {

template <typename J>
J Parse(std::string_view text, std::string_view label) {
  try {
    return J::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: users want the reason.
    if (auto pos = what.find("] "); what.rfind("[json.exception", 0) == 0 && pos != std::string::npos) {
      what = what.substr(pos + 2);
    }
    Fail("{}: invalid JSON ({})", label, what);
  }
}

}  // namespace

nlohmann::json ParseJson(std::string_view text, std::string_view label) { return Parse<nlohmann::json>(text, label); }

nlohmann::ordered_json ParseOrderedJson(std::string_view text, std::string_view label) {
  return Parse<nlohmann::ordered_json>(text, label);
}

}  // namespace faq
