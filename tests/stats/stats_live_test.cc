// faq stats on a real trained model (llama2xs) and two real calibration sets, against an
// independent computation over transformers (tests/reference/stats_reference.py) from the
// same activations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

using nlohmann::json;

void ExpectClose(const json& ours, const json& ref, double rel, double abs, const std::string& what) {
  const double a = ours.get<double>(), b = ref.get<double>();
  EXPECT_NEAR(a, b, abs + rel * std::fabs(b)) << what;
}

TEST(LiveStats, MatchesAnIndependentComputationOverTransformers) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set";
  const auto shared = testing::SharedDir();
  const std::string model = (shared / "models/llama2xs-hf").string();
  const std::vector<std::string> sets = {"calib=" + (shared / "models/llama2xs_calib.jsonl").string(),
                                         "eval=" + (shared / "models/llama2xs_eval.jsonl").string()};
  testing::TempDir dir;
  const std::string out = (dir / "stats").string();
  auto run = testing::Run({testing::FaqBinary(), "stats", "--model", model, "--set", sets[0], "--set", sets[1],
                           "--nsamples", "16", "--seqlen", "256", "--group-size", "64", "--layers", "1,3", "--out",
                           out, "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("stats: layer 5/5 done"), std::string::npos) << "logs progress per layer: " << run.err;
  auto ref_run = testing::Run({python, (testing::SourceDir() / "tests/reference/stats_reference.py").string(),
                               "--model", model, "--set", sets[0], "--set", sets[1], "--nsamples", "16", "--seqlen",
                               "256", "--group-size", "64"});
  ASSERT_EQ(ref_run.exit_code, 0) << ref_run.err;
  const json ours = json::parse(ReadFile(std::filesystem::path(out) / "stats.json"));
  const json ref = json::parse(testing::LastLine(ref_run.out));

  EXPECT_EQ(ours["schema"], "faq.stats/1");
  ASSERT_EQ(ours["layers"].size(), 5u);
  ASSERT_EQ(ours["landscapes"].size(), 2u) << "--layers 1,3";
  EXPECT_EQ(ours["landscapes"][0]["layer"], 1);
  EXPECT_EQ(ours["landscapes"][0]["sets"][1]["set"], "eval");
  EXPECT_EQ(ours["landscapes"][0]["sets"][0]["tokens"], 256) << "the first sample, every token";
  for (size_t l = 0; l < 5; ++l) {
    const json& layer = ours["layers"][l];
    ASSERT_EQ(layer["inputs"].size(), 4u);
    for (const json& input : layer["inputs"]) {
      const std::string group = input["group"];
      const json& expected = ref["layers"][l]["inputs"][group];
      const std::string where = "layer " + std::to_string(l) + " " + group;
      for (size_t s = 0; s < 2; ++s) {
        const json& a = input["sets"][s];
        const json& b = expected["sets"][s];
        const std::string at = where + " set " + std::to_string(s);
        EXPECT_EQ(a["tokens"], b["tokens"]) << at;
        ExpectClose(a["kurtosis"], b["kurtosis"], 1e-3, 0, at + " kurtosis");
        ExpectClose(a["std"], b["std"], 1e-4, 0, at + " std");
        // Entries within float rounding of 6σ may fall either side: a few entries of slack.
        const double entries = b["tokens"].get<double>() * b["channel_max_abs"].size();
        ExpectClose(a["outlier_share"], b["outlier_share"], 0, 4 / entries, at + " outliers");
        ASSERT_EQ(a["channels"]["max_abs"].size(), b["channel_max_abs"].size()) << at;
        for (size_t c = 0; c < b["channel_max_abs"].size(); ++c) {
          ExpectClose(a["channels"]["max_abs"][c], b["channel_max_abs"][c], 1e-4, 1e-6, at + " max |x| " + std::to_string(c));
          ExpectClose(a["channels"]["mean_square"][c], b["channel_mean_square"][c], 1e-4, 1e-9, at + " x² " + std::to_string(c));
          ExpectClose(a["channels"]["kurtosis"][c], b["channel_kurtosis"][c], 1e-3, 1e-6, at + " kurt " + std::to_string(c));
        }
        const int64_t top = a["top_channels"][0];
        ExpectClose(a["channels"]["max_abs"][top], b["max_abs"], 1e-4, 0, at + " the top channel holds max |x|");
      }
      for (size_t x = 0; x < 2; ++x) {
        for (size_t y = 0; y < 2; ++y) {
          ExpectClose(input["hessian_distance"][x][y], expected["hessian_distance"][x][y], 1e-3, 1e-6, where + " H dist");
        }
      }
      for (const auto& [linear, loss] : expected["proxy_loss"].items()) {
        for (size_t x = 0; x < 2; ++x) {
          ExpectClose(input["proxy_loss"][linear]["rtn"][x], loss["rtn"][x], 1e-3, 0, where + " " + linear + " rtn");
          for (size_t y = 0; y < 2; ++y) {
            ExpectClose(input["proxy_loss"][linear]["gptq"][x][y], loss["gptq"][x][y], 0.02, 0,
                        where + " " + linear + " gptq " + std::to_string(x) + "→" + std::to_string(y));
          }
        }
      }
    }
  }
  // What the run writes beside stats.json, and nothing half-written.
  for (const char* file : {"report.html", "landscape_layer01.svg", "landscape_layer03.svg", "kurtosis.svg",
                           "outlier_share.svg", "hessian_distance.svg"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::path(out) / file)) << file;
  }
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace faq
