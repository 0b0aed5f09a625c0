// Live comparison with Hugging Face `tokenizers` (the venv's Python) on samples of every
// dataset, random hard strings, and small trained tokenizers using the other pipeline parts.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "support/test_env.h"
#include "tokenizer_test_util.h"

namespace faq::testing {
namespace {

std::filesystem::path ReferenceScript(const char* name) { return SourceDir() / "tests" / "reference" / name; }

// Runs hf_tokenize.py on `texts` and compares faq's results record by record.
void CompareWithHf(const Tokenizer& tok, const std::filesystem::path& dir, const std::vector<std::string>& texts,
                   const std::string& label) {
  ASSERT_FALSE(PythonPath().empty()) << "FAQ_PYTHON is not set: the live reference test needs the venv Python";
  TempDir tmp;
  std::string input;
  for (const auto& t : texts) input += nlohmann::json{{"text", t}}.dump() + "\n";
  WriteFile(tmp / "texts.jsonl", input);
  auto result = Run({PythonPath(), ReferenceScript("hf_tokenize.py").string(), dir.string(),
                     (tmp / "texts.jsonl").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  size_t i = 0, ids_ok = 0, special_ok = 0, decoded_ok = 0, failures = 0;
  for (std::string line; std::getline(lines, line); ++i) {
    ASSERT_LT(i, texts.size());
    auto ref = nlohmann::json::parse(line);
    auto expected = ref.at("ids").get<std::vector<int32_t>>();
    auto ids = tok.Encode(texts[i]);
    bool ok_ids = ids == expected;
    bool ok_special = tok.Encode(texts[i], true) == ref.at("ids_with_special_tokens").get<std::vector<int32_t>>();
    bool ok_decoded = tok.Decode(expected) == ref.at("decoded").get<std::string>();
    ids_ok += ok_ids, special_ok += ok_special, decoded_ok += ok_decoded;
    if (!(ok_ids && ok_special && ok_decoded) && ++failures <= 5) {
      ADD_FAILURE() << label << " text " << i << " " << nlohmann::json(texts[i]).dump().substr(0, 300)
                    << (ok_ids ? "" : " [ids differ]") << (ok_special ? "" : " [special ids differ]")
                    << (ok_decoded ? "" : " [decoded differs: " + ref.at("decoded").dump().substr(0, 200) + "]");
    }
  }
  EXPECT_EQ(i, texts.size());
  EXPECT_EQ(ids_ok, texts.size()) << label;
  EXPECT_EQ(special_ok, texts.size()) << label;
  EXPECT_EQ(decoded_ok, texts.size()) << label;
  std::cout << "[live] " << label << ": ids " << ids_ok << "/" << texts.size() << ", with special tokens "
            << special_ok << "/" << texts.size() << ", decoded " << decoded_ok << "/" << texts.size() << std::endl;
}

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> texts = SampleTexts(/*per_source=*/250, /*synthetic=*/600);
  return texts;
}

TEST(TokenizerLive, Qwen3MatchesHfTokenizers) {
  CompareWithHf(SharedTokenizer("qwen3"), SharedDir() / "tokenizers" / "qwen3", Texts(), "qwen3");
}

TEST(TokenizerLive, DeepSeekV3MatchesHfTokenizers) {
  CompareWithHf(SharedTokenizer("deepseek_v3"), SharedDir() / "tokenizers" / "deepseek_v3", Texts(), "deepseek_v3");
}

// The bundled family's tokenizer: Qwen3's cut to its first merges (tools/family/reduce_tokenizer).
TEST(TokenizerLive, BundledFamilyTokenizerMatchesHfTokenizers) {
  const auto dir = SourceDir() / "models" / "tokenizer";
  CompareWithHf(*Tokenizer::Load(dir), dir, Texts(), "tiny-qwen3 family");
}

// Tokenizers trained by `tokenizers` itself with the pipeline parts the shipped ones lack.
TEST(TokenizerLive, TrainedVariantsMatchHfTokenizers) {
  ASSERT_FALSE(PythonPath().empty()) << "FAQ_PYTHON is not set: the live reference test needs the venv Python";
  TempDir tmp;
  std::ifstream wiki(SharedDir() / "data" / "wikitext2" / "wiki.test.raw", std::ios::binary);
  std::string train(300000, '\0');
  wiki.read(train.data(), static_cast<std::streamsize>(train.size()));
  train.resize(static_cast<size_t>(wiki.gcount()));
  WriteFile(tmp / "train.txt", train);
  auto built = faq::testing::Run({PythonPath(), ReferenceScript("hf_tokenizer_variants.py").string(), (tmp / "train.txt").string(),
                    tmp.path().string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  std::vector<std::string> variants;
  std::istringstream names(built.out);
  for (std::string name; std::getline(names, name);) variants.push_back(name);
  ASSERT_EQ(variants.size(), 4u) << built.out;
  // Every third text: all sources and the synthetic strings, at a third of the cost.
  std::vector<std::string> texts;
  for (size_t i = 0; i < Texts().size(); i += 3) texts.push_back(Texts()[i]);
  for (const auto& name : variants) {
    auto tok = Tokenizer::Load(tmp / name);
    CompareWithHf(*tok, tmp / name, texts, name);
  }
}

}  // namespace
}  // namespace faq::testing
