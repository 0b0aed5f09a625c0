// PromptTemplate parsing and rendering; locating the bundled prompts.
#include "faq/regen/prompt_template.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

#ifndef FAQ_SOURCE_PROMPTS_DIR
#define FAQ_SOURCE_PROMPTS_DIR ""
#endif

namespace faq {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

PromptTemplate PromptTemplate::Load(const std::filesystem::path& path, const std::vector<std::string>& allowed,
                                    const std::vector<std::string>& required) {
  // A text file's final newline(s) end the file, not the prompt: the request carries the
  // prompt as written up to its last character (and the bundled family is trained so).
  std::string text = ReadFile(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return FromText(std::move(text), path.string(), allowed, required);
}

PromptTemplate PromptTemplate::FromText(std::string text, std::string label, const std::vector<std::string>& allowed,
                                        const std::vector<std::string>& required) {
  PromptTemplate t;
  t.label_ = std::move(label);
  std::string literal;
  std::vector<std::string> seen;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '{') {
      size_t end = i + 1;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
      if (end > i + 1 && end < text.size() && text[end] == '}') {
        std::string name = text.substr(i + 1, end - i - 1);
        if (!Contains(allowed, name)) {
          std::string list;
          for (const auto& a : allowed) list += (list.empty() ? "{" : ", {") + a + "}";
          Fail("{}: unknown placeholder {{{}}} (expected {}; write a literal brace as {{{{ or }}}})", t.label_, name,
               list);
        }
        if (!literal.empty()) t.pieces_.push_back({false, std::move(literal)});
        literal.clear();
        t.pieces_.push_back({true, name});
        seen.push_back(name);
        i = end;
        continue;
      }
    }
    literal += c;
  }
  if (!literal.empty()) t.pieces_.push_back({false, std::move(literal)});
  for (const auto& r : required) {
    if (!Contains(seen, r)) Fail("{}: the prompt must contain the placeholder {{{}}}", t.label_, r);
  }
  return t;
}

std::string PromptTemplate::Render(const std::map<std::string, std::string>& values) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    auto it = values.find(p.text);
    FAQ_CHECK(it != values.end(), "no value for placeholder {} of {}", p.text, label_);
    out += it->second;
  }
  return out;
}

std::filesystem::path DefaultPromptPath(const std::string& file_name) {
  std::vector<std::filesystem::path> tried;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) tried.push_back(exe.parent_path().parent_path() / "configs" / "prompts" / file_name);
  if (std::string(FAQ_SOURCE_PROMPTS_DIR).size() > 0) tried.push_back(std::filesystem::path(FAQ_SOURCE_PROMPTS_DIR) / file_name);
  std::string list;
  for (const auto& p : tried) {
    if (std::filesystem::is_regular_file(p, ec)) return p;
    list += (list.empty() ? "" : ", ") + p.string();
  }
  Fail("bundled prompt '{}' not found (looked in: {}); pass the file explicitly", file_name, list);
}

}  // namespace faq
