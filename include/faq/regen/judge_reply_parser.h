// Reading a verdict out of a judge model's free text.
#pragma once

#include <optional>
#include <string_view>

namespace faq {

// The score in a judge's answer: the last of "Score: N" (any case, optional ** or
// brackets around N), "[[N]]" or "N/10", anywhere in the text. N is an integer or decimal
// in [lo, hi]; anything else is unparseable (nullopt).
std::optional<double> ParseJudgeScore(std::string_view text, double lo = 1, double hi = 10);

// Which answer a pairwise judge prefers: 'A' or 'B', from the last of "[[A]]", "Winner: A",
// "Answer: A", "Verdict: A", "Better: A" or a reply that is just the letter (with
// punctuation). Nullopt when unparseable or when it names both.
std::optional<char> ParseJudgeChoice(std::string_view text);

}  // namespace faq
