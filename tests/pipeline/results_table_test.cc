// The results table: RER, the cells (measured, stale, missing), the Markdown, and what
// tools/repro_tables.sh makes of several seeds' results.md (tools/results_rows.awk, then
// tools/seed_stats.awk): a missing cell is left out of a mean, never counted as 0.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "faq/pipeline/results_table.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

using nlohmann::json;
using testing::TempDir;

TEST(RelativeErrorRecoveryTest, IsTheShareOfTheQuantizationLossThatFaqRecovers) {
  EXPECT_DOUBLE_EQ(*RelativeErrorRecovery(10.0, 12.0, 11.0), 0.5);
  EXPECT_DOUBLE_EQ(*RelativeErrorRecovery(10.0, 12.0, 10.0), 1.0);  // FAQ as good as full precision
  EXPECT_DOUBLE_EQ(*RelativeErrorRecovery(10.0, 12.0, 12.0), 0.0);  // no better than base
  EXPECT_DOUBLE_EQ(*RelativeErrorRecovery(10.0, 12.0, 13.0), -0.5) << "FAQ worse than base: negative";
  EXPECT_DOUBLE_EQ(*RelativeErrorRecovery(10, 14, 13), 0.25) << "integer perplexities are numbers too";
}

TEST(RelativeErrorRecoveryTest, IsNoneWithoutALossOrWithoutThreePerplexities) {
  EXPECT_FALSE(RelativeErrorRecovery(10.0, 10.0, 11.0)) << "base = fp: nothing to recover";
  EXPECT_FALSE(RelativeErrorRecovery(10.0, 12.0, nullptr)) << "a missing FAQ cell";
  EXPECT_FALSE(RelativeErrorRecovery(nullptr, 12.0, 11.0));
  EXPECT_FALSE(RelativeErrorRecovery(10.0, kStaleCell, 11.0)) << "a stale cell is not a perplexity";
}

TEST(ResultsMarkdownTest, RendersEveryKindOfCell) {
  const json results = {{"table",
                         {{{"run", "w4"}, {"data", "chat"}, {"fp", 10.0}, {"base", 12.0}, {"faq", 11.0}},
                          {{"run", "w3"}, {"data", "chat"}, {"fp", 10.0}, {"base", 12.0}, {"faq", 13.25}},
                          {{"run", "w8"}, {"data", "chat"}, {"fp", 10.0}, {"base", 10.0}, {"faq", 10.0}},
                          {{"run", "w2"}, {"data", "chat"}, {"fp", 10.0}, {"base", 12.0}, {"faq", nullptr}},
                          {{"run", "g4"}, {"data", "wiki"}, {"fp", 10.0}, {"base", kStaleCell}, {"faq", 11.0}},
                          {{"run", "r4"}, {"data", "wiki"}, {"fp", 10.0}, {"base", 12.0}}}}};
  EXPECT_EQ(ResultsMarkdown(results),
            "| quantization | eval set | fp | base | FAQ | RER |\n"
            "|---|---|---|---|---|---|\n"
            "| w4 | chat | 10.000 | 12.000 | 11.000 | +50.0% |\n"
            "| w3 | chat | 10.000 | 12.000 | 13.250 | -62.5% |\n"
            "| w8 | chat | 10.000 | 10.000 | 10.000 | – |\n"
            "| w2 | chat | 10.000 | 12.000 | – | – |\n"
            "| g4 | wiki | 10.000 | stale | 11.000 | – |\n"
            "| r4 | wiki | 10.000 | 12.000 | – | – |\n");
}

TEST(ResultsTableTest, ACellIsItsStepsPerplexityOnlyWhileTheStepIsCurrent) {
  TempDir dir;
  RunManifest manifest(dir / "manifest.json");
  for (const auto& [step, ppl] : std::map<std::string, double>{
           {"eval/fp/chat", 10.0}, {"eval/w4-base/chat", 12.0}, {"eval/w4-faq/chat", 11.0}}) {
    manifest.MarkStarted(step, "f", {"eval"});
    manifest.MarkDone(step, {{"ppl", ppl}}, 1.0);
  }
  PipelineConfig config;
  config.eval_data = {{"chat", "held.jsonl"}, {"wiki", "wiki.raw"}};
  config.quantize_runs = {{"w4"}};
  const json table = ResultsTable(config, manifest, [](const std::string& step) { return step != "eval/w4-faq/chat"; });
  EXPECT_EQ(table, json::parse(R"([
      {"run": "w4", "data": "chat", "fp": 10.0, "base": 12.0, "faq": "stale"},
      {"run": "w4", "data": "wiki", "fp": null, "base": null, "faq": null}])"));
}

// results.md of three seeds as the pipeline writes it, through repro_tables.sh's awk.
class SeedStatsTest : public ::testing::Test {
 protected:
  // Appends one seed's results.md rows (tools/results_rows.awk) to rows.tsv.
  void AddSeed(int seed, const json& table) {
    WriteFileAtomic(dir_ / "results.md", ResultsMarkdown({{"table", table}}));
    const auto r = testing::Run({"awk", "-v", "variant=faq", "-v", "seed=" + std::to_string(seed), "-f",
                                 (testing::SourceDir() / "tools/results_rows.awk").string(), (dir_ / "results.md").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    rows_ += r.out;
  }
  // tools/seed_stats.awk over a column: "run|data" -> value.
  std::map<std::string, std::string> Stats(int column, const std::string& format) {
    WriteFileAtomic(dir_ / "rows.tsv", rows_);
    const auto r = testing::Run({"awk", "-v", "col=" + std::to_string(column), "-v", "fmt=" + format, "-f",
                                 (testing::SourceDir() / "tools/seed_stats.awk").string(), (dir_ / "rows.tsv").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const size_t first = line.find('\t'), second = line.find('\t', first + 1);
      EXPECT_EQ(line.substr(0, first), "faq") << line;
      out[line.substr(first + 1, second - first - 1)] = line.substr(second + 1);
    }
    return out;
  }
  static json Row(const char* run, json fp, json base, json faq) {
    return {{"run", run}, {"data", "chat"}, {"fp", fp}, {"base", base}, {"faq", faq}};
  }

  TempDir dir_;
  std::string rows_;
};

TEST_F(SeedStatsTest, AMissingCellIsLeftOutOfTheMeanNotCountedAsZero) {
  AddSeed(1, {Row("w4", 10.0, 12.0, 11.0), Row("w3", 10.0, 14.0, 13.0), Row("w8", 10.0, 10.0, 10.0)});
  AddSeed(2, {Row("w4", 10.0, 12.0, nullptr), Row("w3", 10.0, 14.0, 16.0), Row("w8", 10.0, 10.0, 10.0)});
  AddSeed(3, {Row("w4", 10.0, 12.0, 11.5), Row("w3", 10.0, 14.0, kStaleCell), Row("w8", 10.0, 10.0, 10.0)});
  const auto faq = Stats(7, "%.3f ± %.3f");
  EXPECT_EQ(faq.at("w4|chat"), "11.250 ± 0.354 (2 of 3 seeds)");  // seeds 1 and 3; not (11 + 0 + 11.5) / 3
  EXPECT_EQ(faq.at("w3|chat"), "14.500 ± 2.121 (2 of 3 seeds)");  // the stale cell is left out too
  EXPECT_EQ(faq.at("w8|chat"), "10.000 ± 0.000");
  const auto rer = Stats(8, "%+.1f%% ± %.1f");
  EXPECT_EQ(rer.at("w4|chat"), "+37.5% ± 17.7 (2 of 3 seeds)");  // +50% and +25%
  EXPECT_EQ(rer.at("w3|chat"), "-12.5% ± 53.0 (2 of 3 seeds)");  // +25% and -50%: a negative RER counts
  EXPECT_EQ(rer.at("w8|chat"), "–") << "base = fp in every seed: no RER at all";
  EXPECT_EQ(Stats(5, "%.3f").at("w4|chat"), "10.000");
}

TEST_F(SeedStatsTest, OneSeedHasNoSpread) {
  AddSeed(1, json::array({Row("w4", 10.0, 12.0, 11.0)}));
  EXPECT_EQ(Stats(7, "%.3f ± %.3f").at("w4|chat"), "11.000");  // not "11.000 ± 0.000"
  EXPECT_EQ(Stats(8, "%+.1f%% ± %.1f").at("w4|chat"), "+50.0%");
  AddSeed(2, json::array({Row("w4", 10.0, 12.0, nullptr)}));
  EXPECT_EQ(Stats(7, "%.3f ± %.3f").at("w4|chat"), "11.000 (1 of 2 seeds)");
}

}  // namespace
}  // namespace faq
