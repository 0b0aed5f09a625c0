// Parsing JSON text with errors that name where it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace faq {

// Parses `text`; throws faq::Error "<label>: invalid JSON (<reason and position>)".
// Catches every nlohmann exception: its parser throws out_of_range for number overflow
// even when asked not to throw (found by tests/fuzz/jsonl_fuzz).
nlohmann::json ParseJson(std::string_view text, std::string_view label);
nlohmann::ordered_json ParseOrderedJson(std::string_view text, std::string_view label);

}  // namespace faq
