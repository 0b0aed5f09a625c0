// SplitReasoning.
#include "reasoning_split.h"

namespace faq::serve {

ReasoningSplit SplitReasoning(const std::string& text, bool prompt_opened_thinking) {
  static const std::string kOpen = "<think>", kClose = "</think>";
  std::string rest = text;
  bool opened = prompt_opened_thinking;
  if (size_t at = rest.find(kOpen); at != std::string::npos) {
    rest = rest.substr(at + kOpen.size());
    opened = true;
  }
  ReasoningSplit out;
  if (size_t at = rest.find(kClose); at != std::string::npos) {
    out.reasoning = rest.substr(0, at);
    std::string content = rest.substr(at + kClose.size());
    if (!content.empty()) out.content = std::move(content);
  } else if (opened) {
    out.reasoning = std::move(rest);
  } else {
    out.content = std::move(rest);
  }
  return out;
}

}  // namespace faq::serve
