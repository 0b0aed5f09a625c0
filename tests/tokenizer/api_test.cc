// The public API on the shipped tokenizers: vocabulary lookups, config, round trips, threads.
#include <gtest/gtest.h>

#include <thread>

#include "faq/util/error.h"
#include "pattern.h"
#include "support/test_env.h"
#include "tokenizer_test_util.h"

namespace faq::testing {
namespace {

TEST(TokenizerApi, Qwen3Vocabulary) {
  const Tokenizer& tok = SharedTokenizer("qwen3");
  EXPECT_EQ(tok.VocabSize(), 151669);
  EXPECT_EQ(tok.TokenToId("<|im_end|>"), 151645);
  EXPECT_EQ(tok.IdToToken(151645), "<|im_end|>");
  EXPECT_EQ(tok.TokenToId("Hello"), 9707);
  EXPECT_EQ(tok.IdToToken(9707), "Hello");
  EXPECT_EQ(tok.TokenToId("no-such-token-here"), std::nullopt);
  EXPECT_TRUE(tok.IsSpecial(151645));
  EXPECT_FALSE(tok.IsSpecial(9707));
  // <think> is an added token that is not special: decoding keeps it even when skipping.
  auto think = tok.TokenToId("<think>");
  ASSERT_TRUE(think.has_value());
  EXPECT_FALSE(tok.IsSpecial(*think));
  std::vector<int32_t> ids = tok.Encode("<|im_start|>user\n<think>hi<|im_end|>");
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_EQ(tok.Decode(ids, /*skip_special_tokens=*/true), "user\n<think>hi");
  EXPECT_EQ(tok.Decode(ids), "<|im_start|>user\n<think>hi<|im_end|>");
}

TEST(TokenizerApi, Configs) {
  const TokenizerConfig& qwen = SharedTokenizer("qwen3").Config();
  EXPECT_EQ(qwen.eos_token, "<|im_end|>");
  EXPECT_EQ(qwen.pad_token, "<|endoftext|>");
  EXPECT_EQ(qwen.bos_token, std::nullopt);
  EXPECT_FALSE(qwen.add_bos_token);
  EXPECT_NE(qwen.chat_template.find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(qwen.model_max_length, 131072);
  const TokenizerConfig& ds = SharedTokenizer("deepseek_v3").Config();
  EXPECT_EQ(ds.bos_token, "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  EXPECT_TRUE(ds.add_bos_token);
  EXPECT_FALSE(ds.add_eos_token);
  EXPECT_EQ(ds.unk_token, std::nullopt);
  EXPECT_TRUE(ds.raw.contains("tokenizer_class"));
}

TEST(TokenizerApi, ChatTemplateListAndJinjaFile) {
  TempDir dir;
  WriteFile(dir / "tokenizer_config.json",
            R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}],
                "eos_token": {"content": "</s>", "lstrip": false}, "add_eos_token": true})");
  TokenizerConfig config = LoadTokenizerConfig(dir.path());
  EXPECT_EQ(config.chat_template, "D");
  EXPECT_EQ(config.eos_token, "</s>");
  EXPECT_TRUE(config.add_eos_token);
  WriteFile(dir / "chat_template.jinja", "{{ messages }}");
  EXPECT_EQ(LoadTokenizerConfig(dir.path()).chat_template, "{{ messages }}");
  TempDir empty;
  EXPECT_EQ(LoadTokenizerConfig(empty.path()).chat_template, "");
}

TEST(TokenizerApi, RoundTripOnDatasets) {
  auto texts = SampleTexts(/*per_source=*/150, /*synthetic=*/300);
  for (const char* name : {"qwen3", "deepseek_v3"}) {
    const Tokenizer& tok = SharedTokenizer(name);
    size_t ok = 0;
    for (const auto& text : texts) {
      // Qwen3 normalizes to NFC, so only NFC text comes back byte for byte.
      std::string expected = std::string(name) == "qwen3" ? tok.Decode(tok.Encode(tok.Decode(tok.Encode(text)))) : text;
      std::string back = tok.Decode(tok.Encode(text));
      if (back == expected) ++ok;
      else ADD_FAILURE() << name << ": " << nlohmann::json(text).dump().substr(0, 200);
    }
    EXPECT_EQ(ok, texts.size()) << name;
  }
  // Plain ASCII/NFC text round-trips exactly through Qwen3 as well.
  const Tokenizer& qwen = SharedTokenizer("qwen3");
  for (const std::string text : {"Hello, world!\r\n\tTabs  and   spaces ", "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80"}) {
    EXPECT_EQ(qwen.Decode(qwen.Encode(text)), text);
  }
}

TEST(TokenizerApi, ThreadsAgree) {
  const Tokenizer& tok = SharedTokenizer("qwen3");
  auto texts = SampleTexts(/*per_source=*/40, /*synthetic=*/50);
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok.Encode(t));
  std::vector<size_t> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < mismatches.size(); ++k) {
    threads.emplace_back([&, k] {
      for (size_t i = 0; i < texts.size(); ++i) mismatches[k] += tok.Encode(texts[(i + k * 7) % texts.size()]) !=
                                                                 expected[(i + k * 7) % texts.size()];
    });
  }
  for (auto& t : threads) t.join();
  for (size_t m : mismatches) EXPECT_EQ(m, 0u);
}

TEST(TokenizerApi, EmptyText) {
  for (const char* name : {"qwen3", "deepseek_v3"}) {
    EXPECT_TRUE(SharedTokenizer(name).Encode("").empty());
    EXPECT_EQ(SharedTokenizer(name).Decode({}), "");
  }
}

TEST(TokenizerPattern, OnigurumaTranslation) {
  using tok::TranslateOnigurumaPattern;
  EXPECT_EQ(TranslateOnigurumaPattern("a+"), "a+");
  EXPECT_EQ(TranslateOnigurumaPattern("\\p{L}[\\]]"), "\\p{L}[\\]]");
  std::string s = TranslateOnigurumaPattern("\\s+(?!\\S)");
  EXPECT_EQ(s.find("\\s"), std::string::npos) << s;
  EXPECT_EQ(s.find("\\S"), std::string::npos) << s;
  EXPECT_NE(s.find("[^\\t"), std::string::npos) << s;
  std::string in_class = TranslateOnigurumaPattern("[^\\s\\p{L}]");
  EXPECT_EQ(in_class.rfind("[^\\t", 0), 0u) << in_class;
  EXPECT_EQ(std::count(in_class.begin(), in_class.end(), '['), 1) << in_class;
}

TEST(TokenizerPattern, WhiteSpaceMeaning) {
  tok::Field field(nlohmann::json(nullptr), "test");
  auto re = tok::MakeRegexPattern("\\s", field);
  std::vector<tok::Span> spans;
  // U+180E is not White_Space (Oniguruma), though PCRE2's \s would take it.
  re->FindAll("\xE1\xA0\x8E", spans);
  EXPECT_TRUE(spans.empty());
  re->FindAll("\xC2\x85\xE3\x80\x80\x0B", spans);
  EXPECT_EQ(spans.size(), 3u);
}

}  // namespace
}  // namespace faq::testing
