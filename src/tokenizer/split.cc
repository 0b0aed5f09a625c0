// The splitting core shared by the pre-tokenizers, with HF's delimiter behaviors.
#include "pre_tokenizer.h"

#include <algorithm>

namespace faq::tok {

Matches CoverWithMatches(const std::vector<Span>& spans, size_t size, bool invert) {
  Matches out;
  if (size == 0) return {{{0, 0}, invert}};
  size_t prev = 0;
  for (auto [b, e] : spans) {
    if (prev != b) out.push_back({{prev, b}, invert});
    out.push_back({{b, e}, !invert});
    prev = e;
  }
  if (prev != size) out.push_back({{prev, size}, invert});
  return out;
}

void SplitPiece(const Piece& piece, const Matches& matches, SplitBehavior behavior, std::vector<Piece>& out) {
  // (span, remove) pairs, built like HF's fold over the matches.
  std::vector<std::pair<Span, bool>> splits;
  splits.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const auto& [span, is_match] : matches) splits.push_back({span, false});
      break;
    case SplitBehavior::kRemoved:
      splits = matches;
      break;
    case SplitBehavior::kContiguous: {
      bool previous = false;
      for (const auto& [span, is_match] : matches) {
        if (is_match == previous && !splits.empty()) {
          splits.back().first.second = span.second;
        } else {
          splits.push_back({span, false});
        }
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous = false;
      for (const auto& [span, is_match] : matches) {
        if (is_match && !previous && !splits.empty()) {
          splits.back().first.second = span.second;
        } else {
          splits.push_back({span, false});
        }
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        const auto& [span, is_match] = *it;
        if (is_match && !previous && !splits.empty()) {
          splits.back().first.first = span.first;
        } else {
          splits.push_back({span, false});
        }
        previous = is_match;
      }
      std::reverse(splits.begin(), splits.end());
      break;
    }
  }
  for (const auto& [span, remove] : splits) {
    if (remove || span.second <= span.first) continue;
    out.push_back(Piece{piece.text.substr(span.first, span.second - span.first),
                        piece.at_start && span.first == 0});
  }
}

}  // namespace faq::tok
