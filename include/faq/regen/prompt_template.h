// Prompt files with {placeholder}s (configs/prompts/README.md).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace faq {

// A prompt file. `{name}` is replaced by a value, `{{` and `}}` are literal braces; other
// braces are kept as written. Values are inserted verbatim (never re-scanned).
class PromptTemplate {
 public:
  // Reads `path` without its trailing newlines; throws faq::Error naming the file if it cannot be read, if it uses a
  // placeholder outside `allowed`, or lacks one of `required`.
  static PromptTemplate Load(const std::filesystem::path& path, const std::vector<std::string>& allowed,
                             const std::vector<std::string>& required);
  static PromptTemplate FromText(std::string text, std::string label, const std::vector<std::string>& allowed,
                                 const std::vector<std::string>& required);

  std::string Render(const std::map<std::string, std::string>& values) const;
  const std::string& label() const { return label_; }

 private:
  struct Piece {
    bool placeholder;
    std::string text;  // literal text or placeholder name
  };
  std::vector<Piece> pieces_;
  std::string label_;
};

// Where a bundled prompt (cot.txt, judge_score.txt, ...) lives: configs/prompts next to
// the binary's parent directory (build/faq -> configs/prompts), else the source tree the
// binary was built from. Throws faq::Error if neither has it.
std::filesystem::path DefaultPromptPath(const std::string& file_name);

}  // namespace faq
