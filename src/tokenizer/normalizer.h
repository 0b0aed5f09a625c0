// tokenizer.json "normalizer": rewrites each piece of text between added tokens.
#pragma once

#include <memory>
#include <string>

#include "json_field.h"

namespace faq::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void Normalize(std::string& text) const = 0;
};

// Null JSON gives nullptr (no normalization). Unknown types throw naming the field.
std::unique_ptr<Normalizer> ParseNormalizer(const Field& field);

}  // namespace faq::tok
