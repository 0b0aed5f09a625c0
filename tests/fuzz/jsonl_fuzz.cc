// Fuzzes the JSONL readers (line splitting, JSON parsing, record validation of token
// streams): arbitrary bytes must give records or faq::Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "faq/eval/token_source.h"
#include "faq/io/jsonl.h"
#include "faq/util/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = faq::fuzz::WriteFuzzInput("jsonl", ".jsonl", data, size);
  try {
    faq::JsonlReader reader(path);
    while (auto record = reader.Next()) {
      if (!record->value.is_object()) __builtin_trap();
    }
  } catch (const faq::Error&) {
  }
  try {
    faq::TextCodec codec;
    codec.encode = [](std::string_view s) { return std::vector<int32_t>(s.size() % 7, 1); };
    codec.render = [](const std::string& messages) { return messages.substr(0, 5); };
    (void)faq::LoadTokenDocuments(path, codec);
    (void)faq::LoadTokenStream(path, codec);
  } catch (const faq::Error&) {
  }
  return 0;
}
