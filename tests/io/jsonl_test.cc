// JsonlReader: records, line numbers, and errors that name file and line.
#include <gtest/gtest.h>

#include "faq/io/jsonl.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::TempDir;

TEST(Jsonl, ReadsRecordsSkippingBlankLinesAndCrlf) {
  TempDir dir;
  WriteFileAtomic(dir / "a.jsonl", "{\"a\":1}\r\n\n  \n{\"a\":2}\n{\"a\":3}");
  JsonlReader reader(dir / "a.jsonl");
  std::vector<std::pair<uint64_t, int>> seen;
  while (auto r = reader.Next()) seen.emplace_back(r->line, r->value["a"].get<int>());
  EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, int>>{{1, 1}, {4, 2}, {5, 3}}));
}

TEST(Jsonl, MalformedLineNamesFileAndLine) {
  TempDir dir;
  WriteFileAtomic(dir / "b.jsonl", "{\"a\":1}\n{\"a\": [1, 2}\n");
  JsonlReader reader(dir / "b.jsonl");
  reader.Next();
  try {
    reader.Next();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "b.jsonl").string() + ":2: invalid JSON"), std::string::npos)
        << e.what();
  }
}

TEST(Jsonl, NumberOverflowIsAnErrorNotACrash) {
  // Found by tests/fuzz/jsonl_fuzz: nlohmann throws out_of_range even when told not to.
  EXPECT_THROW(ParseJsonlLine("222E2222222222222222222", "x:1"), Error);
  EXPECT_THROW(ParseJsonlLine("{\"input_ids\": [1e99999]}", "x:1"), Error);
}

TEST(Jsonl, NonObjectRecordIsAnError) {
  EXPECT_THROW(ParseJsonlLine("[1,2]", "x:1"), Error);
  EXPECT_THROW(ParseJsonlLine("\"s\"", "x:1"), Error);
  EXPECT_TRUE(ParseJsonlLine("{\"k\": null}", "x:1").is_object());
}

TEST(Jsonl, MissingFileNamesIt) {
  try {
    JsonlReader reader("/nonexistent/file.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/file.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace faq
