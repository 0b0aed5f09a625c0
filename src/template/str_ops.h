// Python str operations on UTF-8 strings, shared by str methods and filters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faq::tmpl {

enum class StripSide { kBoth, kLeft, kRight };
// str.strip/lstrip/rstrip; `chars` null means whitespace.
std::string PyStrip(std::string_view s, const std::string* chars, StripSide side);
// str.split / str.rsplit; `sep` null means runs of whitespace.
std::vector<std::string> PySplit(std::string_view s, const std::string* sep, int64_t maxsplit, bool from_right);
std::string PyReplace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
std::vector<std::string> PySplitLines(std::string_view s, bool keepends);
std::string PyTitle(std::string_view s);
std::string PyCapitalize(std::string_view s);
// Code point index of `sub` in s (or -1), like str.find / str.rfind.
int64_t PyFind(std::string_view s, std::string_view sub, bool from_right);
int64_t PyCount(std::string_view s, std::string_view sub);

}  // namespace faq::tmpl
