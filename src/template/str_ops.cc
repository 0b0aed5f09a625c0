#include "template/str_ops.h"

#include <algorithm>

#include "faq/util/error.h"
#include "template/unicode.h"
#include "template/value.h"

namespace faq::tmpl {

std::string PyStrip(std::string_view s, const std::string* chars, StripSide side) {
  std::u32string cps = DecodeUtf8(s);
  std::u32string set = chars ? DecodeUtf8(*chars) : std::u32string();
  auto strip = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : IsSpace(c); };
  size_t b = 0, e = cps.size();
  if (side != StripSide::kRight) {
    while (b < e && strip(cps[b])) ++b;
  }
  if (side != StripSide::kLeft) {
    while (e > b && strip(cps[e - 1])) --e;
  }
  return EncodeUtf8(std::u32string_view(cps).substr(b, e - b));
}

std::vector<std::string> PySplit(std::string_view s, const std::string* sep, int64_t maxsplit, bool from_right) {
  std::vector<std::string> out;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep) {
    if (sep->empty()) throw Error("empty separator");
    if (!from_right) {
      size_t pos = 0;
      while (maxsplit-- > 0) {
        size_t hit = s.find(*sep, pos);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      out.emplace_back(s.substr(pos));
      return out;
    }
    size_t end = s.size();
    while (maxsplit-- > 0 && end >= sep->size()) {
      size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.emplace_back(s.substr(0, end));
    return {out.rbegin(), out.rend()};
  }
  std::u32string cps = DecodeUtf8(s);
  if (from_right) std::reverse(cps.begin(), cps.end());
  size_t i = 0, n = cps.size();
  while (true) {
    while (i < n && IsSpace(cps[i])) ++i;
    if (i >= n) break;
    if (maxsplit-- <= 0) {
      size_t e = n;
      while (e > i && IsSpace(cps[e - 1])) --e;
      out.push_back(EncodeUtf8(std::u32string_view(cps).substr(i, e - i)));
      break;
    }
    size_t j = i;
    while (j < n && !IsSpace(cps[j])) ++j;
    out.push_back(EncodeUtf8(std::u32string_view(cps).substr(i, j - i)));
    i = j;
  }
  if (from_right) {
    for (auto& part : out) {
      std::u32string p = DecodeUtf8(part);
      std::reverse(p.begin(), p.end());
      part = EncodeUtf8(p);
    }
    std::reverse(out.begin(), out.end());
  }
  return out;
}

std::string PyReplace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  if (count < 0) count = INT64_MAX;
  std::string out;
  if (old.empty()) {  // Python inserts `repl` before every character and at the end
    std::u32string cps = DecodeUtf8(s);
    for (char32_t c : cps) {
      if (count > 0) {
        out += repl;
        --count;
        CheckStringSize(out.size());
      }
      AppendUtf8(out, c);
    }
    if (count > 0) out += repl;
    return out;
  }
  size_t pos = 0;
  while (count-- > 0) {
    size_t hit = s.find(old, pos);
    if (hit == std::string_view::npos) break;
    out += s.substr(pos, hit - pos);
    out += repl;
    CheckStringSize(out.size());
    pos = hit + old.size();
  }
  out += s.substr(pos);
  return out;
}

std::vector<std::string> PySplitLines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  std::u32string cps = DecodeUtf8(s);
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (!IsLineBreak(cps[i])) continue;
    size_t eol = i;
    if (cps[i] == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
    out.push_back(EncodeUtf8(std::u32string_view(cps).substr(start, (keepends ? i + 1 : eol) - start)));
    start = i + 1;
  }
  if (start < cps.size()) out.push_back(EncodeUtf8(std::u32string_view(cps).substr(start)));
  return out;
}

std::string PyTitle(std::string_view s) {
  std::u32string cps = DecodeUtf8(s);
  bool prev_cased = false;
  for (char32_t& c : cps) {
    bool cased = IsUpper(c) || IsLower(c);
    if (cased) c = prev_cased ? ToLower(c) : ToUpper(c);
    prev_cased = cased;
  }
  return EncodeUtf8(cps);
}

std::string PyCapitalize(std::string_view s) {
  std::u32string cps = DecodeUtf8(s);
  for (size_t i = 0; i < cps.size(); ++i) cps[i] = i == 0 ? ToUpper(cps[i]) : ToLower(cps[i]);
  return EncodeUtf8(cps);
}

int64_t PyFind(std::string_view s, std::string_view sub, bool from_right) {
  size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(CodePointCount(s.substr(0, hit)));
}

int64_t PyCount(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(CodePointCount(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

}  // namespace faq::tmpl
