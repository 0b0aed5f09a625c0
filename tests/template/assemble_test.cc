// faq assemble on the real Qwen3 / DeepSeek-V3 tokenizers, checked against transformers.
#include <gtest/gtest.h>

#include <fstream>

#include "faq/template/calibration_assembler.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

const char* kJudged =
    R"({"id": "a1", "query": "What is 2+2?", "response": "4", "reasoning": "Add two and two.\n"})" "\n"
    R"({"id": 7, "query": "Translate 'hello' to Chinese.", "response": "你好 😀", "reasoning": null})" "\n"
    "\n"
    R"({"id": "long", "query": "Write a list.", "response": "one two three four five six seven eight nine ten eleven twelve"})" "\n";

std::vector<nlohmann::json> ReadLines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

class AssembleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AssembleTest, MatchesTransformers) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the transformers comparison cannot run";
  testing::TempDir tmp;
  WriteFileAtomic(tmp / "judged.jsonl", kJudged);
  const auto tok_dir = testing::SharedDir() / "tokenizers" / GetParam();
  AssembleStats stats = AssembleCalibrationFile(tok_dir, tmp / "judged.jsonl", tmp / "calib.jsonl", {});
  EXPECT_EQ(stats.records_in, 3);
  EXPECT_EQ(stats.records_out, 3);
  auto run = testing::Run({python, (testing::SourceDir() / "tests" / "reference" / "assemble_reference.py").string(),
                           "--tokenizer", tok_dir.string(), "--in", (tmp / "judged.jsonl").string(), "--out",
                           (tmp / "ref.jsonl").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto got = ReadLines(tmp / "calib.jsonl");
  auto want = ReadLines(tmp / "ref.jsonl");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["id"], want[i]["id"]);
    EXPECT_EQ(got[i]["text"], want[i]["text"]) << "record " << i;
    EXPECT_EQ(got[i]["input_ids"], want[i]["input_ids"]) << "record " << i;
    EXPECT_EQ(got[i]["num_tokens"].get<size_t>(), got[i]["input_ids"].size());
  }
  if (GetParam() == "qwen3") {  // the reasoning goes into the final turn's think block
    EXPECT_NE(got[0]["text"].get<std::string>().find("<think>\nAdd two and two.\n</think>\n\n4<|im_end|>"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, AssembleTest, ::testing::Values("qwen3", "deepseek_v3"));

TEST(Assemble, TruncatesOrDropsLongRecords) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp / "judged.jsonl", kJudged);
  const auto tok_dir = testing::SharedDir() / "tokenizers" / "qwen3";
  auto tokenizer = Tokenizer::Load(tok_dir);
  AssembleOptions o;
  o.max_tokens = 20;
  AssembleStats t = AssembleCalibrationFile(tok_dir, tmp / "judged.jsonl", tmp / "t.jsonl", o);
  auto rows = ReadLines(tmp / "t.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_GT(t.truncated, 0);
  EXPECT_EQ(t.max_tokens, 20);
  for (const auto& r : rows) {
    EXPECT_LE(r["input_ids"].size(), 20u);
    EXPECT_EQ(r["num_tokens"].get<size_t>(), r["input_ids"].size());
    // The text of a truncated record is the decoded kept ids.
    EXPECT_EQ(r["text"].get<std::string>(), tokenizer->Decode(r["input_ids"].get<std::vector<int32_t>>()));
  }
  o.overflow = OverflowPolicy::kDrop;
  AssembleStats d = AssembleCalibrationFile(tok_dir, tmp / "judged.jsonl", tmp / "d.jsonl", o);
  EXPECT_EQ(d.dropped, t.truncated);
  EXPECT_EQ(d.records_out, 3 - d.dropped);
  EXPECT_EQ(ReadLines(tmp / "d.jsonl").size(), static_cast<size_t>(d.records_out));
}

TEST(Assemble, PlainTextWithoutChatTemplate) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp / "judged.jsonl", kJudged);
  const auto tok_dir = testing::SharedDir() / "tokenizers" / "deepseek_v3";
  AssembleOptions o;
  o.use_chat_template = false;
  AssembleCalibrationFile(tok_dir, tmp / "judged.jsonl", tmp / "p.jsonl", o);
  auto rows = ReadLines(tmp / "p.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["text"], "What is 2+2?\n\n4");
  auto tokenizer = Tokenizer::Load(tok_dir);
  EXPECT_EQ(rows[0]["input_ids"].get<std::vector<int32_t>>(), tokenizer->Encode("What is 2+2?\n\n4", true));
}

TEST(Assemble, ErrorsNameFileLineAndField) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp / "judged.jsonl", std::string(R"({"id": 1, "query": "q", "response": "r"})") + "\n" +
                                            R"({"id": 2, "response": "r"})" + "\n");
  const auto tok_dir = testing::SharedDir() / "tokenizers" / "qwen3";
  try {
    AssembleCalibrationFile(tok_dir, tmp / "judged.jsonl", tmp / "out.jsonl", {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("judged.jsonl:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'query'"), std::string::npos) << msg;
  }
  EXPECT_FALSE(std::filesystem::exists(tmp / "out.jsonl"));  // nothing half-written
  WriteFileAtomic(tmp / "bad.jsonl", R"({"id": 1, "query": "q", "response": 5})" "\n");
  EXPECT_THROW(AssembleCalibrationFile(tok_dir, tmp / "bad.jsonl", tmp / "out.jsonl", {}), Error);
}

TEST(AssembleCli, JsonSummaryAndTemplateCommand) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp / "judged.jsonl", kJudged);
  const auto tok_dir = (testing::SharedDir() / "tokenizers" / "qwen3").string();
  auto r = testing::Run({testing::FaqBinary(), "assemble", "--tokenizer", tok_dir, "--in", (tmp / "judged.jsonl").string(),
                         "--out", (tmp / "calib.jsonl").string(), "--max-tokens", "20", "--overflow", "drop", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::json::parse(testing::LastLine(r.out));
  EXPECT_EQ(summary["records_in"], 3);
  EXPECT_EQ(summary["records_out"].get<int>() + summary["dropped"].get<int>(), 3);
  EXPECT_NE(r.err.find("records in"), std::string::npos);

  WriteFileAtomic(tmp / "chat.json", R"([{"role": "user", "content": "Hi"}])");
  auto t = testing::Run({testing::FaqBinary(), "template", "--tokenizer", tok_dir, "--messages", (tmp / "chat.json").string(),
                         "--add-generation-prompt", "--kwargs", R"({"enable_thinking": false})"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  auto bad = testing::Run({testing::FaqBinary(), "template", "--tokenizer", tok_dir, "--messages", (tmp / "chat.json").string(),
                           "--kwargs", "[1]"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace faq
