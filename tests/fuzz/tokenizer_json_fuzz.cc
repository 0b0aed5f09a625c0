// libFuzzer target: the input is a whole tokenizer.json. Loading it must give a tokenizer or
// faq::Error; a tokenizer that loads must then encode a few fixed texts into ids inside its
// vocabulary and decode those ids (and the first ids of its vocabulary) without crashing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "faq/tokenizer/tokenizer.h"
#include "faq/util/error.h"
#include "fuzz_input_file.h"

namespace {

// Texts that reach every stage: contractions and digits (split patterns), whitespace runs,
// CJK and emoji (byte-level and byte fallback), accents (normalizers), and the special
// tokens of the Qwen3, DeepSeek-V3, Llama-2 and BERT families (added tokens).
constexpr std::string_view kTexts[] = {
    "I'm sure they've 42 apples, 3.14 pears.",
    "  leading\ttabs\n\nand\r\nCRLF  ",
    "中文分词 日本語 한국어 😀👍🏽 café naïve",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<think>\n</think>",
    "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>",
    "<s> [CLS] hello [SEP] </s> <unk> \u2581word",
    "",
};

void CheckIds(const faq::Tokenizer& tok, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) {
    if (id < 0 || id >= tok.VocabSize()) {
      std::fprintf(stderr, "Encode gave id %d outside [0, %d)\n", id, tok.VocabSize());
      std::abort();
    }
  }
}

void Exercise(const faq::Tokenizer& tok) {
  for (std::string_view text : kTexts) {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok.Encode(text, special);
      CheckIds(tok, ids);
      (void)tok.Decode(ids, /*skip_special_tokens=*/special);
    }
  }
  // Every stored token's text and back; ids past the vocabulary must be refused.
  const int32_t probe = std::min<int32_t>(tok.VocabSize(), 64);
  std::vector<int32_t> first(static_cast<size_t>(std::max(probe, 0)));
  for (int32_t i = 0; i < probe; ++i) {
    first[static_cast<size_t>(i)] = i;
    const std::string token = tok.IdToToken(i);
    if (!token.empty()) (void)tok.TokenToId(token);
    (void)tok.IsSpecial(i);
  }
  (void)tok.Decode(first);
  (void)tok.Decode(first, /*skip_special_tokens=*/true);
  const int32_t past[] = {tok.VocabSize()};
  try {
    (void)tok.Decode(past);
    std::fprintf(stderr, "Decode accepted id %d, one past the vocabulary\n", tok.VocabSize());
    std::abort();
  } catch (const faq::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = faq::fuzz::WriteFuzzInput("tokenizer-json", ".json", data, size);
  try {
    const auto tok = faq::LoadHfTokenizer(path, faq::TokenizerConfig{});
    Exercise(*tok);
  } catch (const faq::Error&) {
    // A malformed tokenizer.json, or text it cannot encode: both are reported, by design.
  }
  return 0;
}
