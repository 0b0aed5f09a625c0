// tokenizer.model through libsentencepiece, on a tiny model trained here from wikitext-2.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>

#include "faq/util/error.h"
#include "support/test_env.h"
#include "tokenizer_test_util.h"

namespace faq::testing {
namespace {

class SentencePieceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::ifstream in(SharedDir() / "data" / "wikitext2" / "wiki.test.raw", std::ios::binary);
    std::string line, text;
    while (std::getline(in, line) && text.size() < 200000) {
      if (line.find_first_not_of(' ') != std::string::npos) text += line + "\n";
    }
    WriteFile(*dir_ / "train.txt", text);
    auto status = sentencepiece::SentencePieceTrainer::Train(
        "--input=" + (*dir_ / "train.txt").string() + " --model_prefix=" + (*dir_ / "tokenizer").string() +
        " --vocab_size=600 --model_type=bpe --byte_fallback=true --character_coverage=1.0"
        " --normalization_rule_name=identity --remove_extra_whitespaces=false --minloglevel=2");
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* SentencePieceTest::dir_ = nullptr;

std::vector<std::string> Lines() {
  std::vector<std::string> out;
  std::ifstream in(SharedDir() / "data" / "wikitext2" / "wiki.test.raw", std::ios::binary);
  for (std::string line; std::getline(in, line) && out.size() < 400;) {
    size_t b = line.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(line.substr(b));
  }
  out.push_back("caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 (bytes)");
  return out;
}

TEST_F(SentencePieceTest, MatchesLibraryAndRoundTrips) {
  auto tok = Tokenizer::Load(dir_->path());  // no tokenizer.json: tokenizer.model is used
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load((*dir_ / "tokenizer.model").string()).ok());
  EXPECT_EQ(tok->VocabSize(), 600);
  size_t ok = 0;
  auto lines = Lines();
  for (const auto& line : lines) {
    std::vector<int> expected;
    ASSERT_TRUE(sp.Encode(line, &expected).ok());
    auto ids = tok->Encode(line);
    bool same = std::vector<int>(ids.begin(), ids.end()) == expected && tok->Decode(ids) == line;
    ok += same;
    if (!same) ADD_FAILURE() << line;
  }
  EXPECT_EQ(ok, lines.size());
  // Byte fallback: a character absent from training text still round-trips.
  EXPECT_EQ(tok->Decode(tok->Encode("\xF0\x9F\xA6\x80 crab")), "\xF0\x9F\xA6\x80 crab");
}

TEST_F(SentencePieceTest, SpecialTokensFollowConfig) {
  // Llama's default: BOS with add_special_tokens, no EOS.
  auto tok = Tokenizer::Load(dir_->path());
  auto plain = tok->Encode("Hello world");
  auto with = tok->Encode("Hello world", true);
  ASSERT_EQ(with.size(), plain.size() + 1);
  EXPECT_EQ(with.front(), *tok->TokenToId("<s>"));
  EXPECT_TRUE(tok->IsSpecial(with.front()));
  EXPECT_EQ(tok->Decode(with), "<s>Hello world");
  EXPECT_EQ(tok->Decode(with, /*skip_special_tokens=*/true), "Hello world");
  WriteFile(*dir_ / "tokenizer_config.json", R"({"add_bos_token": false, "add_eos_token": true, "eos_token": "</s>"})");
  auto tok2 = Tokenizer::Load(dir_->path());
  auto with2 = tok2->Encode("Hello world", true);
  ASSERT_EQ(with2.size(), plain.size() + 1);
  EXPECT_EQ(with2.back(), *tok2->TokenToId("</s>"));
  EXPECT_EQ(tok2->Config().eos_token, "</s>");
  std::filesystem::remove(*dir_ / "tokenizer_config.json");
}

TEST_F(SentencePieceTest, CorruptModel) {
  TempDir dir;
  WriteFile(dir / "tokenizer.model", "not a protobuf");
  try {
    Tokenizer::Load(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faq::testing
