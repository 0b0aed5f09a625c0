// tokenizer.json "pre_tokenizer": cuts normalized text into the words the model sees.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "json_field.h"
#include "pattern.h"

namespace faq::tok {

struct Piece {
  std::string text;
  bool at_start = false;  // begins at offset 0 of the input (Metaspace prepend_scheme "first")
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void PreTokenize(std::vector<Piece>& pieces) const = 0;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// A cover of a piece's text by [begin, end) spans, each flagged as a match or not.
using Matches = std::vector<std::pair<Span, bool>>;
// HF's NormalizedString::split: regroups `matches` of `piece` per `behavior`, drops empties.
void SplitPiece(const Piece& piece, const Matches& matches, SplitBehavior behavior, std::vector<Piece>& out);
// Turns FindAll spans into a full cover of a text of `size` bytes.
Matches CoverWithMatches(const std::vector<Span>& spans, size_t size, bool invert);

// Null JSON gives nullptr. Unknown types throw naming the field.
std::unique_ptr<PreTokenizer> ParsePreTokenizer(const Field& field);

}  // namespace faq::tok
