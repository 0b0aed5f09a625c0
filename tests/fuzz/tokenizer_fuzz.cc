// libFuzzer target: arbitrary bytes must never crash the Qwen3 tokenizer, and valid UTF-8
// must round-trip: Decode(Encode(x)) == x, up to Qwen3's NFC normalization.
// The tokenizer directory is FAQ_FUZZ_TOKENIZER or FAQ_SHARED_DIR/tokenizers/qwen3.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "faq/tokenizer/tokenizer.h"
#include "faq/util/error.h"

#ifndef FAQ_SHARED_DIR
#define FAQ_SHARED_DIR "../shared"
#endif

namespace {

const faq::Tokenizer& GetTokenizer() {
  static std::unique_ptr<faq::Tokenizer> tok = [] {
    const char* dir = std::getenv("FAQ_FUZZ_TOKENIZER");
    std::string shared = std::getenv("FAQ_SHARED_DIR") ? std::getenv("FAQ_SHARED_DIR") : FAQ_SHARED_DIR;
    return faq::Tokenizer::Load(dir ? std::string(dir) : shared + "/tokenizers/qwen3");
  }();
  return *tok;
}

}  // namespace

// Loading Qwen3's 11 MB tokenizer.json takes seconds under ASan: done before the first
// input, so that it does not count against libFuzzer's per-input -timeout.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)GetTokenizer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const faq::Tokenizer& tok = GetTokenizer();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<int32_t> ids;
  try {
    ids = tok.Encode(text, /*add_special_tokens=*/(size & 1) != 0);
  } catch (const faq::Error&) {
    return 0;  // invalid UTF-8 is rejected, by design
  }
  for (int32_t id : ids) {
    if (id < 0 || id >= tok.VocabSize()) std::abort();
  }
  std::string once = tok.Decode(ids);
  // NFC is idempotent, so text that already went through the tokenizer comes back exactly;
  // for NFC input (almost all fuzz inputs) the first decoding equals the input itself.
  std::string twice = tok.Decode(tok.Encode(once));
  if (twice != once) {
    std::fprintf(stderr, "round trip differs after normalization\n");
    std::abort();
  }
  return 0;
}
