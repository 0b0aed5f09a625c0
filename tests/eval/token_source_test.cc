// Token streams from JSONL and text, and the errors for bad records.
#include <gtest/gtest.h>

#include "faq/eval/token_source.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

std::string ErrorOf(const std::filesystem::path& file, const TextEncoder& enc = {}) {
  try {
    LoadTokenStream(file, enc);
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
  EXPECT_EQ(LoadTokenStream(dir / "t.jsonl", enc).size(), 5u);
  EXPECT_EQ(seen, std::vector<std::string>{"ab\n\nc"});
  WriteFileAtomic(dir / "raw.txt", "hello");
  EXPECT_EQ(LoadTokenStream(dir / "raw.txt", enc).size(), 5u);
}

TEST(TokenSource, ErrorsNameFileLineAndField) {
  testing::TempDir dir;
  auto f = dir / "bad.jsonl";
  WriteFileAtomic(f, "{\"input_ids\": [1]}\n{\"tokens\": [2]}\n");
  EXPECT_NE(ErrorOf(f).find(f.string() + ":2: record has neither 'input_ids' nor 'text'"), std::string::npos)
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
