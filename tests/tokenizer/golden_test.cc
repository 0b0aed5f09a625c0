// Every record of ../shared/golden/tokenizer/*.jsonl: ids, ids with special tokens, decoding.
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "support/test_env.h"
#include "tokenizer_test_util.h"

namespace faq::testing {
namespace {

std::string Show(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

void CheckGoldenFile(const std::string& tokenizer_name, const std::string& file_name) {
  const Tokenizer& tok = SharedTokenizer(tokenizer_name);
  auto records = ReadJsonlFile(SharedDir() / "golden" / "tokenizer" / file_name);
  ASSERT_FALSE(records.empty());
  size_t ids_ok = 0, special_ok = 0, decoded_ok = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    std::string text = r.at("text").get<std::string>();
    auto expected = r.at("ids").get<std::vector<int32_t>>();
    auto ids = tok.Encode(text);
    if (ids == expected) {
      ++ids_ok;
    } else {
      ADD_FAILURE() << file_name << " record " << i + 1 << " ids differ for " << nlohmann::json(text).dump()
                    << "\n  faq:    " << Show(ids) << "\n  golden: " << Show(expected);
    }
    auto expected_special = r.at("ids_with_special_tokens").get<std::vector<int32_t>>();
    auto with_special = tok.Encode(text, /*add_special_tokens=*/true);
    if (with_special == expected_special) {
      ++special_ok;
    } else {
      ADD_FAILURE() << file_name << " record " << i + 1 << " ids_with_special_tokens differ: faq "
                    << Show(with_special) << " golden " << Show(expected_special);
    }
    std::string decoded = tok.Decode(expected);
    if (decoded == r.at("decoded").get<std::string>()) {
      ++decoded_ok;
    } else {
      ADD_FAILURE() << file_name << " record " << i + 1 << " decoded differs: faq "
                    << nlohmann::json(decoded).dump() << " golden " << r.at("decoded").dump();
    }
  }
  std::cout << "[golden] " << file_name << ": ids " << ids_ok << "/" << records.size() << ", with special tokens "
            << special_ok << "/" << records.size() << ", decoded " << decoded_ok << "/" << records.size() << std::endl;
}

TEST(TokenizerGolden, Qwen3EdgeCases) { CheckGoldenFile("qwen3", "qwen3_edge_cases.jsonl"); }
TEST(TokenizerGolden, Qwen3Datasets) { CheckGoldenFile("qwen3", "qwen3_datasets.jsonl"); }
TEST(TokenizerGolden, DeepSeekV3EdgeCases) { CheckGoldenFile("deepseek_v3", "deepseek_v3_edge_cases.jsonl"); }
TEST(TokenizerGolden, DeepSeekV3Datasets) { CheckGoldenFile("deepseek_v3", "deepseek_v3_datasets.jsonl"); }

TEST(TokenizerGolden, EveryGoldenFileIsCovered) {
  // A new golden file must get a test above.
  std::set<std::string> covered = {"qwen3_edge_cases.jsonl", "qwen3_datasets.jsonl", "deepseek_v3_edge_cases.jsonl",
                                   "deepseek_v3_datasets.jsonl"};
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SharedDir() / "golden" / "tokenizer")) {
    if (entry.path().extension() != ".jsonl") continue;
    ++n;
    EXPECT_TRUE(covered.count(entry.path().filename().string())) << entry.path();
  }
  EXPECT_EQ(n, covered.size());
}

}  // namespace
}  // namespace faq::testing
