// Malformed tokenizer files and inputs: faq::Error naming the file and the field.
#include <gtest/gtest.h>

#include "faq/util/error.h"
#include "support/test_env.h"
#include "tokenizer_test_util.h"

namespace faq::testing {
namespace {

using Json = nlohmann::json;

Json MinimalTokenizer() {
  return Json::parse(R"({
    "version": "1.0", "added_tokens": [{"id": 3, "content": "<eos>", "special": true}],
    "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
    "post_processor": null, "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}

// Loads `json` as dir/tokenizer.json and returns the error message ("" if it loaded).
std::string LoadError(const TempDir& dir, const std::string& json_text) {
  WriteFile(dir / "tokenizer.json", json_text);
  try {
    Tokenizer::Load(dir.path());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void ExpectNames(const std::string& message, const std::string& field) {
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find(field), std::string::npos) << message;
}

TEST(TokenizerErrors, MinimalTokenizerLoads) {
  TempDir dir;
  EXPECT_EQ(LoadError(dir, MinimalTokenizer().dump()), "");
  auto tok = Tokenizer::Load(dir.path());
  EXPECT_EQ(tok->Encode("ab<eos>ba"), (std::vector<int32_t>{2, 3, 1, 0}));
  EXPECT_EQ(tok->VocabSize(), 4);
}

TEST(TokenizerErrors, BadJson) {
  TempDir dir;
  std::string message = LoadError(dir, R"({"model": {"type": "BPE", )");
  ExpectNames(message, "invalid JSON");
}

TEST(TokenizerErrors, UnknownModelType) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["model"]["type"] = "Unigram";
  ExpectNames(LoadError(dir, j.dump()), "model.type");
}

TEST(TokenizerErrors, MissingMerges) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["model"].erase("merges");
  ExpectNames(LoadError(dir, j.dump()), "model.merges");
}

TEST(TokenizerErrors, MergeOutOfVocabulary) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["model"]["merges"] = Json::array({"a b", "b c"});
  ExpectNames(LoadError(dir, j.dump()), "model.merges[1]");
  j["model"]["merges"] = Json::array({"ab"});
  ExpectNames(LoadError(dir, j.dump()), "model.merges[0]");
}

TEST(TokenizerErrors, MissingModel) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j.erase("model");
  ExpectNames(LoadError(dir, j.dump()), "'model'");
}

TEST(TokenizerErrors, UnknownComponents) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["normalizer"] = {{"type", "Precompiled2"}};
  ExpectNames(LoadError(dir, j.dump()), "normalizer.type");
  j = MinimalTokenizer();
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Split"}, {"behavior", "Sideways"},
                                                                   {"pattern", {{"String", " "}}}}}}};
  ExpectNames(LoadError(dir, j.dump()), "pre_tokenizer.pretokenizers[0].behavior");
  j = MinimalTokenizer();
  j["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", "one"}, {"stop", 0}};
  ExpectNames(LoadError(dir, j.dump()), "decoder.start");
}

TEST(TokenizerErrors, BadRegex) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["pre_tokenizer"] = {{"type", "Split"}, {"behavior", "Isolated"}, {"pattern", {{"Regex", "(\\p{L}+"}}}};
  ExpectNames(LoadError(dir, j.dump()), "pre_tokenizer.pattern.Regex");
}

TEST(TokenizerErrors, BadAddedToken) {
  TempDir dir;
  Json j = MinimalTokenizer();
  j["added_tokens"][0]["id"] = "three";
  ExpectNames(LoadError(dir, j.dump()), "added_tokens[0].id");
}

TEST(TokenizerErrors, BadTokenizerConfig) {
  TempDir dir;
  WriteFile(dir / "tokenizer.json", MinimalTokenizer().dump());
  WriteFile(dir / "tokenizer_config.json", R"({"bos_token": 5})");
  try {
    Tokenizer::Load(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("tokenizer_config.json"), std::string::npos) << m;
    EXPECT_NE(m.find("bos_token"), std::string::npos) << m;
  }
  WriteFile(dir / "tokenizer_config.json", R"({"chat_template": )");
  EXPECT_THROW(Tokenizer::Load(dir.path()), Error);
}

TEST(TokenizerErrors, NoTokenizerFiles) {
  TempDir dir;
  try {
    Tokenizer::Load(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tokenizer::Load(dir / "absent"), Error);
}

TEST(TokenizerErrors, InvalidInputs) {
  const Tokenizer& tok = SharedTokenizer("qwen3");
  EXPECT_THROW(tok.Encode("ab\xC3"), Error);
  EXPECT_THROW(tok.Encode("\xFF"), Error);
  std::vector<int32_t> bad = {1, tok.VocabSize()};
  EXPECT_THROW(tok.Decode(bad), Error);
  std::vector<int32_t> negative = {-1};
  EXPECT_THROW(tok.Decode(negative), Error);
}

}  // namespace
}  // namespace faq::testing
