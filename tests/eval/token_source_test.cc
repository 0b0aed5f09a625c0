// Token streams from JSONL and text, and the errors for bad records.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/eval/token_source.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

std::string ErrorOf(const std::filesystem::path& file, const TextCodec& codec = {}) {
  try {
    LoadTokenStream(file, codec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenSource, ConcatenatesIdsInFileOrder) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "a.jsonl", "{\"input_ids\": [1, 2]}\n{\"input_ids\": [3]}\n");
  EXPECT_EQ(LoadTokenStream(dir / "a.jsonl", {}), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(LoadTokenDocuments(dir / "a.jsonl", {}).size(), 2u);
}

TEST(TokenSource, JoinsTextsWithBlankLinesThenEncodesOnce) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "t.jsonl", "{\"text\": \"ab\"}\n{\"text\": \"c\"}\n");
  std::vector<std::string> seen;
  TextEncoder enc = [&](std::string_view s) {
    seen.emplace_back(s);
    return std::vector<int32_t>(s.size(), 7);
  };
  EXPECT_EQ(LoadTokenStream(dir / "t.jsonl", {enc}).size(), 5u);
  EXPECT_EQ(seen, std::vector<std::string>{"ab\n\nc"});
  WriteFileAtomic(dir / "raw.txt", "hello");
  EXPECT_EQ(LoadTokenStream(dir / "raw.txt", {enc}).size(), 5u);
}

// A plain-text file (WikiText-2's wiki.test.raw) is one document to calibration, as it is one
// stream to evaluation.
TEST(TokenSource, APlainTextFileIsOneDocument) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "wiki.test.raw", " = Title = \n\n text");
  TextEncoder enc = [](std::string_view s) { return std::vector<int32_t>(s.size(), 7); };
  const auto docs = LoadTokenDocuments(dir / "wiki.test.raw", {enc});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].size(), 18u);
}

TEST(TokenSource, RendersConversationsBeforeEncoding) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "m.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
  TextCodec codec;
  codec.encode = [](std::string_view s) { return std::vector<int32_t>(s.size(), 1); };
  codec.render = [](const std::string& messages) {
    return "<" + nlohmann::json::parse(messages)[0]["content"].get<std::string>() + ">";
  };
  auto docs = LoadTokenDocuments(dir / "m.jsonl", codec);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].size(), 4u);  // "<hi>"
  codec.render = nullptr;
  EXPECT_NE(ErrorOf(dir / "m.jsonl", codec).find(":1: records hold 'messages' but the model has no chat template"),
            std::string::npos);
  WriteFileAtomic(dir / "m.jsonl", "{\"messages\": \"hi\"}\n");
  EXPECT_NE(ErrorOf(dir / "m.jsonl", codec).find(":1: field 'messages' must be a list"), std::string::npos);
}

TEST(TokenSource, ErrorsNameFileLineAndField) {
  testing::TempDir dir;
  auto f = dir / "bad.jsonl";
  WriteFileAtomic(f, "{\"input_ids\": [1]}\n{\"tokens\": [2]}\n");
  EXPECT_NE(ErrorOf(f).find(f.string() + ":2: record has none of 'input_ids', 'text' or 'messages'"), std::string::npos)
      << ErrorOf(f);
  WriteFileAtomic(f, "{\"input_ids\": [1, -4]}\n");
  EXPECT_NE(ErrorOf(f).find(":1: field 'input_ids' must hold non-negative integers"), std::string::npos) << ErrorOf(f);
  WriteFileAtomic(f, "{\"input_ids\": [1]}\n{\"text\": \"x\"}\n");
  EXPECT_NE(ErrorOf(f).find(":2: record holds 'text' but earlier records hold 'input_ids'"), std::string::npos)
      << ErrorOf(f);
  WriteFileAtomic(f, "{\"text\": \"x\"}\n");
  EXPECT_NE(ErrorOf(f).find("no tokenizer"), std::string::npos) << ErrorOf(f);
  WriteFileAtomic(f, "");
  EXPECT_NE(ErrorOf(f).find("no records"), std::string::npos) << ErrorOf(f);
}

}  // namespace
}  // namespace faq
