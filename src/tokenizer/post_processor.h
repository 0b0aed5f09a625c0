// tokenizer.json "post_processor": the special tokens added around one encoded sequence
// when add_special_tokens is set (pairs of sequences are not supported).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "json_field.h"

namespace faq::tok {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void Process(std::vector<int32_t>& ids) const = 0;
};

// Null JSON gives nullptr. Unknown types throw naming the field.
std::unique_ptr<PostProcessor> ParsePostProcessor(const Field& field);

}  // namespace faq::tok
