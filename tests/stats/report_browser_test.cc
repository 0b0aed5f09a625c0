// report.html of a real `faq stats` run in a real headless browser: it renders with no console
// errors, every picture has a size and every embedded PNG decodes; and the check itself
// catches a page that is broken in each of those ways.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

#include "browser_check.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"
#include "support/tiny_family_pipeline.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

TEST(ReportInBrowser, StatsReportRendersEveryPictureWithoutErrors) {
  const auto shared = testing::SharedDir();
  testing::TempDir dir;
  const std::string out = (dir / "stats").string();
  auto run = testing::Run({testing::FaqBinary(), "stats", "--model", (shared / "models/llama2xs-hf").string(), "--set",
                           "calib=" + (shared / "models/llama2xs_calib.jsonl").string(), "--set",
                           "eval=" + (shared / "models/llama2xs_eval.jsonl").string(), "--nsamples", "4", "--seqlen",
                           "128", "--group-size", "32", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // A set keeps its colour in every picture: "eval" is the second set in the kurtosis chart and
  // the only line of the Hessian-distance chart (which once drew it in the first set's colour).
  const std::string kurtosis = ReadFile(std::filesystem::path(out) / "kurtosis.svg");
  const std::string distance = ReadFile(std::filesystem::path(out) / "hessian_distance.svg");
  EXPECT_NE(kurtosis.find("stroke=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(kurtosis.find("stroke=\"#d62728\""), std::string::npos);
  EXPECT_NE(distance.find("stroke=\"#d62728\""), std::string::npos);
  EXPECT_EQ(distance.find("stroke=\"#1f77b4\""), std::string::npos);
  const std::filesystem::path page = std::filesystem::path(out) / "report.html";
  const std::string html = ReadFile(page);
  // Self-contained: the only URL is the SVG namespace.
  const std::string without_ns = std::regex_replace(html, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  EXPECT_EQ(without_ns.find("http://"), std::string::npos);
  EXPECT_EQ(without_ns.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the report needs no script";

  const testing::BrowserReport r = testing::CheckPageInBrowser(page);
  ASSERT_TRUE(r.checked) << "the check script did not run: " << r.dom.substr(0, 2000);
  // Default landscape layers of a 5-layer model: 1, 2, 3, 4; then kurtosis, outliers, H distance.
  EXPECT_EQ(r.pictures, 7);
  EXPECT_EQ(r.empty_pictures, 0);
  EXPECT_EQ(r.embedded_images, 4 * 2) << "one heat map per landscape layer and set";
  EXPECT_EQ(r.broken_images, 0);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
}

TEST(ReportInBrowser, QuantizeReportRendersItsChartsWithoutErrors) {
  const auto shared = testing::SharedDir();
  testing::TempDir dir;
  const std::string out = (dir / "q").string();
  auto q = testing::Run({testing::FaqBinary(), "quantize", "--model", (shared / "models/llama2xs-hf").string(),
                         "--calib", (shared / "models/llama2xs_calib.jsonl").string(), "--method", "gptq", "--bits", "4",
                         "--group-size", "32", "--nsamples", "4", "--seqlen", "64", "--format", "fake", "--out", out});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const std::string page = (dir / "quant.html").string();
  auto r = testing::Run({testing::FaqBinary(), "report", "--quant-report", out + "/quant_report.json", "--out", page});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = ReadFile(page);
  EXPECT_NE(html.find("model.layers.4.mlp.down_proj"), std::string::npos) << "every linear has its row";
  const testing::BrowserReport b = testing::CheckPageInBrowser(page);
  ASSERT_TRUE(b.checked) << b.dom.substr(0, 2000);
  EXPECT_EQ(b.pictures, 2) << "loss against RTN, time per layer";
  EXPECT_EQ(b.empty_pictures, 0);
  EXPECT_TRUE(b.errors.empty()) << b.errors.front();
}

TEST(ReportCli, RefusesAFileThatIsNotAFaqOutput) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "x.json", "{\"rows\": 1}");
  auto r = testing::Run({testing::FaqBinary(), "report", "--stats", (dir / "x.json").string(), "--out",
                         (dir / "r.html").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("field 'schema'"), std::string::npos) << r.err;
  r = testing::Run({testing::FaqBinary(), "report", "--quant-report", (dir / "x.json").string(), "--out",
                    (dir / "r.html").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("expected an array of rows"), std::string::npos) << r.err;
  r = testing::Run({testing::FaqBinary(), "report", "--out", (dir / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = testing::Run({testing::FaqBinary(), "report", "--run-dir", dir.path().string(), "--out", (dir / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no results.json"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.html"));
}

// A real (small) pipeline run on the bundled family: its page without stats names the faq
// stats command for the run's sets; that command, run, makes the stats the page then embeds.
TEST(ReportInBrowser, PipelineReportShowsResultsRerAndTheCalibrationSetsStats) {
  testing::TempDir dir;
  testing::WriteTinyFamilyPipeline(dir.path(), 3, 2, 4);
  auto pipeline = testing::Run({testing::FaqBinary(), "--threads", "1", "pipeline", "--config", (dir / "pipeline.yaml").string()});
  ASSERT_EQ(pipeline.exit_code, 0) << pipeline.err;

  const std::string page = (dir / "run.html").string();
  auto bare = testing::Run({testing::FaqBinary(), "report", "--run-dir", (dir / "run").string(), "--out", page});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  std::smatch m;
  const std::string bare_html = ReadFile(page);
  ASSERT_TRUE(std::regex_search(bare_html, m, std::regex("<code>(faq stats [^<]*)</code>"))) << bare_html;
  const std::string command = m[1].str();
  EXPECT_NE(command.find("--set base=" + (dir / "run/calib-base.jsonl").string()), std::string::npos) << command;
  EXPECT_NE(command.find("--calib-mode per-record --nsamples 16 --seqlen 256"), std::string::npos) << command;
  std::vector<std::string> argv = {testing::FaqBinary()};
  std::istringstream words(command.substr(4));
  for (std::string w; words >> w;) argv.push_back(w);
  auto stats = testing::Run(argv);
  ASSERT_EQ(stats.exit_code, 0) << command << "\n" << stats.err;

  auto full = testing::Run({testing::FaqBinary(), "report", "--run-dir", (dir / "run").string(), "--stats",
                            (dir / "run/stats/stats.json").string(), "--out", page});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const std::string html = ReadFile(page);
  EXPECT_NE(html.find("<td>w4</td><td>wiki</td>"), std::string::npos) << "the results row";
  EXPECT_NE(html.find("Does calibrating on A cover B?"), std::string::npos);
  const testing::BrowserReport b = testing::CheckPageInBrowser(page);
  ASSERT_TRUE(b.checked) << b.dom.substr(0, 2000);
  // RER bars; the stats' four landscapes (6 layers: 1, 3, 4, 5), kurtosis, outliers, Hessian distance.
  EXPECT_EQ(b.pictures, 8);
  EXPECT_EQ(b.empty_pictures, 0);
  EXPECT_EQ(b.embedded_images, 8);
  EXPECT_EQ(b.broken_images, 0);
  EXPECT_TRUE(b.errors.empty()) << b.errors.front();
}

// The same check on a page with each defect: it must see every one (else the test above
// could not fail).
TEST(ReportInBrowser, TheCheckSeesEmptyPicturesBrokenImagesAndScriptErrors) {
  testing::TempDir dir;
  const auto page = dir / "broken.html";
  WriteFileAtomic(page,
                  "<!DOCTYPE html><html><body>"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"80\" height=\"40\">"
                  "<image href=\"data:image/png;base64,iVBORw0KGgo=\" width=\"8\" height=\"8\"/></svg>"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"30\"></svg>"
                  "<script>notDefinedAnywhere();</script></body></html>");
  const testing::BrowserReport r = testing::CheckPageInBrowser(page);
  ASSERT_TRUE(r.checked) << r.dom;
  EXPECT_EQ(r.pictures, 2);
  EXPECT_EQ(r.empty_pictures, 1);
  EXPECT_EQ(r.embedded_images, 1);
  EXPECT_EQ(r.broken_images, 1);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors.front().find("notDefinedAnywhere"), std::string::npos) << r.errors.front();
}

}  // namespace
}  // namespace faq
