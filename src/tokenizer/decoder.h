// tokenizer.json "decoder": turns the tokens of a sequence of ids back into text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "json_field.h"

namespace faq::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // HF's decode_chain: rewrites the token list; the final text is its concatenation.
  virtual void DecodeChain(std::vector<std::string>& tokens) const = 0;
};

// Null JSON gives nullptr (tokens are then joined with spaces, as HF does).
std::unique_ptr<Decoder> ParseDecoder(const Field& field);

}  // namespace faq::tok
