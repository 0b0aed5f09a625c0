// transformers' tojson filter: json.dumps(x, ensure_ascii=False, indent=..., separators=...,
// sort_keys=...), reproduced byte for byte (Python float repr, key coercion, separators).
#pragma once

#include <optional>
#include <string>

#include "template/value.h"

namespace faq::tmpl {

struct JsonDumpOptions {
  std::optional<std::string> indent;  // nullopt: single line
  std::string item_sep = ", ";
  std::string key_sep = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};

std::string PyJsonDumps(const Value& v, const JsonDumpOptions& options);

}  // namespace faq::tmpl
