// faq pipeline through the real binary from `assemble` on: the raw-seed baseline quantizes
// and evaluates the bundled tiny target, so no elder is served. What a config's sections
// say reaches the steps (a `false` included), and a section the commands cannot take is
// refused when the config is loaded, before any step runs.
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class PipelineStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path target = testing::SourceDir() / "models/tiny-qwen3-target";
    ASSERT_TRUE(fs::exists(target / "model.safetensors")) << "the bundled target is missing in " << target;
    const char* queries[] = {"Tom has 12 apples and gives 3 to Anna. How many apples does Tom have now?",
                             "Each box holds 6 pencils. How many pencils are there in 4 boxes?",
                             "Mia shares 24 cards equally among 3 friends. How many cards does each friend get?",
                             "Leo reads 5 pages every day for 3 days. How many pages does Leo read in all?"};
    std::string seeds, heldout;
    for (int i = 0; i < 4; ++i) {
      seeds += nlohmann::json{{"id", i}, {"query", queries[i]}, {"answer", "Let us count: the answer is 9."}}.dump() + "\n";
      heldout += std::string(queries[i]) + " The answer comes from counting each part in turn.\n";
    }
    WriteFileAtomic(dir_ / "seeds.jsonl", seeds);
    WriteFileAtomic(dir_ / "heldout.txt", heldout);
    WriteFileAtomic(dir_ / "p.yaml", fmt::format(R"(run_dir: {run}
target: {target}
seeds: {seeds}
quantize:
  calibrations: [base]
  options: {{method: gptq, group_size: 32, calib_mode: per-record, nsamples: 4, seqlen: 64}}
  runs:
    - {{name: w4, bits: 4}}
eval:
  data: {{held: {heldout}}}
  seqlen: 32
)", fmt::arg("run", (dir_ / "run").string()), fmt::arg("target", target.string()),
                                                 fmt::arg("seeds", (dir_ / "seeds.jsonl").string()),
                                                 fmt::arg("heldout", (dir_ / "heldout.txt").string())));
  }

  // `faq pipeline` from the assemble stage, with --set overrides and other arguments.
  testing::CommandResult Pipeline(const std::vector<std::string>& extra, const std::string& log_level = "info") const {
    std::vector<std::string> argv{"/usr/bin/env", "FAQ_LOG_LEVEL=" + log_level, testing::FaqBinary(), "--threads", "1",
                                  "pipeline", "--config", (dir_ / "p.yaml").string(), "--from", "assemble", "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv);
  }

  nlohmann::json Manifest() const { return ParseJson(ReadFile(dir_ / "run/manifest.json"), "manifest.json"); }

  TempDir dir_;
};

// `faq --threads N pipeline`: every stage computes on N threads too, not on its own default.
TEST_F(PipelineStepsTest, ThreadsReachEveryStage) {
  const auto r = Pipeline({}, "debug");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = r.err.find(text); at != std::string::npos; at = r.err.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_GE(count(" tensor threads on "), 4u) << r.err;  // the pipeline, then assemble, quantize and eval
  EXPECT_EQ(count("] 1 tensor threads on "), count(" tensor threads on ")) << r.err;
}

TEST_F(PipelineStepsTest, SymFalseReachesTheQuantizeStepAndTheCheckpoint) {
  const auto r = Pipeline({"--set", "quantize.options.sym=false", "--until", "quantize"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto argv = Manifest()["steps"]["quantize/w4-base"]["argv"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--asym"), argv.end()) << nlohmann::json(argv).dump();
  const auto config = ParseJson(ReadFile(dir_ / "run/models/w4-base/config.json"), "config.json");
  EXPECT_EQ(config["quantization_config"]["sym"], false) << config["quantization_config"].dump();
}

TEST_F(PipelineStepsTest, AFalseThatNoFlagCanSayIsRefusedBeforeAnyStep) {
  // `max_windows: false` once vanished from the command line: every window was evaluated.
  const auto r = Pipeline({"--set", "eval.max_windows=false"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("p.yaml: eval.max_windows: --max-windows takes a value, not false"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "run/manifest.json")) << "a step ran before the config was refused";
}

TEST_F(PipelineStepsTest, AnUnknownStageKeyIsRefusedBeforeAnyStep) {
  // Found once only when the eval step ran, after the model was quantized.
  const auto r = Pipeline({"--set", "eval.max_windws=2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("p.yaml: eval.max_windws: not an option of faq eval ppl"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "run/manifest.json")) << "a step ran before the config was refused";
}

TEST_F(PipelineStepsTest, AResultOfAChangedStepReadsStaleUntilMeasuredAgain) {
  const auto first = Pipeline({});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const nlohmann::json measured = ParseJson(testing::LastLine(first.out), "first run")["table"][0];
  ASSERT_TRUE(measured["fp"].is_number() && measured["base"].is_number()) << measured.dump();

  // Quantized again with other options but not evaluated: the stored perplexity belongs to
  // the 4-bit model, which no longer exists.
  const std::vector<std::string> three_bits{"--set", "quantize.runs=[{name: w4, bits: 3}]"};
  std::vector<std::string> until_quantize = three_bits;
  until_quantize.insert(until_quantize.end(), {"--until", "quantize"});
  const auto second = Pipeline(until_quantize);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const nlohmann::json stale = ParseJson(testing::LastLine(second.out), "second run")["table"][0];
  EXPECT_EQ(stale["fp"], measured["fp"]) << "the full-precision model and its evaluation did not change";
  EXPECT_EQ(stale["base"], "stale");
  EXPECT_NE(ReadFile(dir_ / "run/results.md").find(fmt::format("| w4 | held | {:.3f} | stale | – | – |", measured["fp"].get<double>())),
            std::string::npos)
      << ReadFile(dir_ / "run/results.md");

  const auto third = Pipeline(three_bits);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  const nlohmann::json remeasured = ParseJson(testing::LastLine(third.out), "third run")["table"][0];
  EXPECT_TRUE(remeasured["base"].is_number()) << remeasured.dump();
  EXPECT_EQ(Manifest()["steps"]["eval/fp/held"]["result"]["ppl"], measured["fp"]) << "fp was evaluated again";
}

// Fingerprints once held the run directory's path: a moved or copied run started over and a
// resumable step's output (31 minutes of regenerated candidates, once) was deleted.
TEST_F(PipelineStepsTest, AMovedRunDirectoryKeepsItsResults) {
  const auto first = Pipeline({});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  fs::rename(dir_ / "run", dir_ / "moved");
  const auto moved = Pipeline({"--run-dir", (dir_ / "moved").string()});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(moved.err.find(": faq quantize"), std::string::npos) << "the model was quantized again:\n" << moved.err;
  EXPECT_EQ(moved.err.find(": faq eval"), std::string::npos) << moved.err;
  EXPECT_NE(moved.err.find("quantize/w4-base: unchanged, kept from an earlier run"), std::string::npos) << moved.err;
  EXPECT_EQ(ParseJson(testing::LastLine(moved.out), "moved run")["table"],
            ParseJson(testing::LastLine(first.out), "first run")["table"]);
}

// --dry-run: each step with what a run would do, and nothing started or written.
TEST_F(PipelineStepsTest, ADryRunSaysWhatWouldRunAndTouchesNothing) {
  auto actions = [](const testing::CommandResult& r) {
    std::map<std::string, std::string> by_step;
    const nlohmann::json result = ParseJson(testing::LastLine(r.out), "dry run");
    for (const auto& step : result["plan"]) by_step[step["step"]] = step["action"];
    return by_step;
  };
  const auto before = Pipeline({"--dry-run"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "run")) << "a dry run wrote the run directory";
  auto plan = actions(before);
  EXPECT_EQ(plan.at("regenerate"), "skip");  // before --from assemble
  EXPECT_EQ(plan.at("assemble/base"), "run");
  EXPECT_EQ(plan.at("quantize/w4-base"), "run");
  EXPECT_EQ(plan.at("eval/w4-base/held"), "run");
  EXPECT_NE(before.out.find("run  quantize/w4-base: faq quantize --model"), std::string::npos) << before.out;

  ASSERT_EQ(Pipeline({}).exit_code, 0);
  const auto manifest_time = std::filesystem::last_write_time(dir_ / "run/manifest.json");
  plan = actions(Pipeline({"--dry-run"}));
  EXPECT_EQ(plan.at("assemble/base"), "keep");
  EXPECT_EQ(plan.at("eval/w4-base/held"), "keep");
  plan = actions(Pipeline({"--dry-run", "--set", "quantize.runs=[{name: w4, bits: 3}]"}));
  EXPECT_EQ(plan.at("assemble/base"), "keep");
  EXPECT_EQ(plan.at("quantize/w4-base"), "run");
  EXPECT_EQ(plan.at("eval/w4-base/held"), "run") << "its model would change";
  EXPECT_EQ(plan.at("eval/fp/held"), "keep");
  EXPECT_EQ(std::filesystem::last_write_time(dir_ / "run/manifest.json"), manifest_time);
}

// The bundled configs load and plan (their inputs need not exist yet).
TEST(PipelineConfigs, EveryBundledConfigPlans) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourceDir() / "configs")) {
    if (entry.path().extension() != ".yaml") continue;
    const auto r = testing::Run({"/bin/sh", "-c",
                                 "cd '" + testing::SourceDir().string() + "' && exec '" + testing::FaqBinary() +
                                     "' pipeline --dry-run --json --config '" + entry.path().string() + "'"});
    ASSERT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
    const auto plan = ParseJson(testing::LastLine(r.out), entry.path().string())["plan"];
    EXPECT_GT(plan.size(), 4u) << entry.path();
    if (entry.path().filename() == "smollm2.yaml") {
      // 6 runs × 3 calibration sets, each evaluated with the fp model on 2 sets.
      size_t quantize = 0, eval = 0;
      for (const auto& step : plan) {
        quantize += step["step"].get<std::string>().rfind("quantize/", 0) == 0;
        eval += step["step"].get<std::string>().rfind("eval/", 0) == 0;
      }
      EXPECT_EQ(quantize, 18u);
      EXPECT_EQ(eval, 38u);
    }
  }
}

// A calibration set given as a text file: quantized with its own options, its own column.
TEST_F(PipelineStepsTest, ACalibrationFileIsQuantizedWithItsOptionsAndGetsAColumn) {
  const std::string text = (testing::SharedDir() / "data/wikitext2/wiki.test.raw").string();
  const auto r = Pipeline({"--set",
                           "quantize.calibrations=[base, {name: wiki, file: " + text +
                               ", options: {calib_mode: concat, calib_skip: 2048}}]"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto argv = Manifest()["steps"]["quantize/w4-wiki"]["argv"].get<std::vector<std::string>>();
  const std::string joined = fmt::format("{}", fmt::join(argv, " "));
  EXPECT_NE(joined.find("--calib " + text), std::string::npos) << joined;
  EXPECT_NE(joined.find("--calib-mode concat"), std::string::npos) << joined;
  EXPECT_NE(joined.find("--calib-skip 2048"), std::string::npos) << joined;
  const auto base = Manifest()["steps"]["quantize/w4-base"]["argv"].get<std::vector<std::string>>();
  EXPECT_NE(fmt::format("{}", fmt::join(base, " ")).find("--calib-mode per-record"), std::string::npos);
  const nlohmann::json row = ParseJson(testing::LastLine(r.out), "pipeline")["table"][0];
  EXPECT_TRUE(row["wiki"].is_number()) << row.dump();
  const std::string md = ReadFile(dir_ / "run/results.md");
  EXPECT_NE(md.find("| RER | wiki |"), std::string::npos) << md;
  EXPECT_NE(md.find(fmt::format(" {:.3f} |\n", row["wiki"].get<double>())), std::string::npos) << md;
}

TEST_F(PipelineStepsTest, NprocStepsRunUnderTorchrunOrAreRefusedWithoutIt) {
  const std::vector<std::string> nproc{"--set", "quantize.options.nproc=2", "--set", "eval.nproc=2"};
  std::vector<std::string> argv{"/usr/bin/env", "FAQ_TORCHRUN=" + (dir_ / "no-torchrun").string(),
                                testing::FaqBinary(), "--threads", "1", "pipeline", "--config",
                                (dir_ / "p.yaml").string(), "--from", "assemble", "--json"};
  argv.insert(argv.end(), nproc.begin(), nproc.end());
  const auto absent = testing::Run(argv);
  EXPECT_EQ(absent.exit_code, 1) << absent.err;
  EXPECT_NE(absent.err.find("step quantize/w4-base declares nproc: 2, but torchrun is absent (looked for " +
                            (dir_ / "no-torchrun").string() + ")"),
            std::string::npos)
      << absent.err;
  EXPECT_FALSE(fs::exists(dir_ / "run/manifest.json")) << "a step ran before torchrun was found missing";

  const fs::path venv_torchrun = fs::path(testing::PythonPath()).parent_path() / "torchrun";
  if (testing::PythonPath().empty() || !fs::exists(venv_torchrun)) GTEST_SKIP() << "no torchrun in the venv";
  const auto r = Pipeline(nproc);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("quantize/w4-base: torchrun --nproc-per-node 2 faq quantize"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rank 1 of 2 joined the gloo process group"), std::string::npos) << r.err;
  const nlohmann::json table = ParseJson(testing::LastLine(r.out), "nproc run")["table"][0];
  EXPECT_TRUE(table["fp"].is_number() && table["base"].is_number()) << table.dump();
}

}  // namespace
}  // namespace faq
