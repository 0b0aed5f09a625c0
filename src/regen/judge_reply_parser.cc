// ParseJudgeScore and ParseJudgeChoice on std::regex (judge answers are a few dozen tokens).
#include "faq/regen/judge_reply_parser.h"

#include <cstdlib>
#include <regex>
#include <string>

namespace faq {
namespace {

// Judges often think aloud first: only what follows a closing </think> counts.
std::string AfterThinking(std::string_view text) {
  size_t close = text.rfind("</think>");
  return std::string(close == std::string_view::npos ? text : text.substr(close + 8));
}

}  // namespace

std::optional<double> ParseJudgeScore(std::string_view raw, double lo, double hi) {
  static const std::regex kPatterns[] = {
      std::regex(R"(score\s*[:=]?\s*[*_]*\s*\[*\s*(\d+(?:\.\d+)?))", std::regex::icase),
      std::regex(R"(\[\[\s*(\d+(?:\.\d+)?)\s*\]\])"),
      std::regex(R"((\d+(?:\.\d+)?)\s*/\s*10\b)"),
  };
  std::string text = AfterThinking(raw);
  std::optional<double> best;
  std::ptrdiff_t best_pos = -1;
  for (const auto& re : kPatterns) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
      std::ptrdiff_t pos = it->position(1);
      if (pos > best_pos) {
        best_pos = pos;
        // strtod, not stod: a number beyond double's range (HUGE_VAL or 0) falls outside [lo, hi]
        // below instead of throwing out of the parser.
        best = std::strtod((*it)[1].str().c_str(), nullptr);
      }
    }
  }
  if (!best || *best < lo || *best > hi) return std::nullopt;
  return best;
}

std::optional<char> ParseJudgeChoice(std::string_view raw) {
  // The letter is case-sensitive: "the answer is a bit long" names no answer.
  static const std::regex kLabelled(R"((?:\[\[\s*([AB])\s*\]\])|(?:(?:[Ww]inner|[Aa]nswer|[Vv]erdict|[Bb]etter|[Cc]hoice|[Pp]referred)\s*(?:is)?\s*[:=]?\s*[*_"'(\[]*\s*([AB])\b))");
  static const std::regex kBare(R"(^\s*[*_"'(\[]*\s*([AB])\s*[*_"')\].!]*\s*$)");
  std::string text = AfterThinking(raw);
  std::optional<char> choice;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLabelled); it != std::sregex_iterator(); ++it) {
    std::string letter = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(letter[0])));
    if (c == 'A' || c == 'B') choice = c;
  }
  if (choice) return choice;
  std::smatch m;
  if (std::regex_match(text, m, kBare)) return m[1].str()[0];
  return std::nullopt;
}

}  // namespace faq
