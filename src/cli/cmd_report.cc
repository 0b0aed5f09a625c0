// faq report: a self-contained HTML page from saved faq outputs (a stats.json, a
// quant_report.json, or a pipeline run directory with, optionally, a stats.json of its sets).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "cli/commands.h"
#include "faq/report/pipeline_report_page.h"
#include "faq/report/quant_report_page.h"
#include "faq/report/stats_report.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

namespace fs = std::filesystem;

struct ReportParams {
  std::string stats;
  std::string quant_report;
  std::string run_dir;
  std::string out;
};

nlohmann::json ReadJson(const std::string& path) {
  try {
    return nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::parse_error& e) {
    Fail("{}: not JSON: {}", path, e.what());
  }
}

nlohmann::json ReadStats(const std::string& path) {
  nlohmann::json stats = ReadJson(path);
  if (!stats.is_object() || stats.value("schema", std::string()) != "faq.stats/1") {
    Fail("{}: field 'schema' is not \"faq.stats/1\" (is it a faq stats output?)", path);
  }
  return stats;
}

// The faq stats command over the run's calibration sets (calib-<name>.jsonl), for the page
// to show when no stats.json was given: the target and the calibration sampling come from
// the run's config when it still loads, so the sets are seen as quantization saw them.
std::string StatsCommand(const fs::path& run_dir, const nlohmann::json& results) {
  std::string target = "TARGET", sampling;
  try {
    const YAML::Node config = YAML::LoadFile(results.value("config", std::string()));
    if (config["target"]) target = config["target"].as<std::string>();
    const YAML::Node options = config["quantize"]["options"];
    for (const char* key : {"calib_mode", "nsamples", "seqlen"}) {
      if (options && options[key]) {
        std::string flag = key;
        std::replace(flag.begin(), flag.end(), '_', '-');
        sampling += " --" + flag + " " + options[key].as<std::string>();
      }
    }
  } catch (const YAML::Exception&) {
    // the config moved or changed: the placeholder stays
  }
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("calib-", 0) == 0 && entry.path().extension() == ".jsonl") files.insert(name);
  }
  std::string command = "faq stats --model " + target;
  for (const auto& f : files) {
    command += " --set " + f.substr(6, f.size() - 6 - 6) + "=" + (run_dir / f).string();
  }
  return command + sampling + " --out " + (run_dir / "stats").string();
}

std::string RenderPage(const ReportParams& p) {
  try {
    if (!p.run_dir.empty()) {
      const nlohmann::json results = ReadJson((fs::path(p.run_dir) / "results.json").string());
      const nlohmann::json stats = p.stats.empty() ? nlohmann::json() : ReadStats(p.stats);
      return PipelineReportHtml(results, stats, StatsCommand(p.run_dir, results));
    }
    if (!p.stats.empty()) return StatsReportHtml(ReadStats(p.stats));
    return QuantReportHtml(ReadJson(p.quant_report), p.quant_report);
  } catch (const nlohmann::json::exception& e) {
    Fail("{}: {}", !p.run_dir.empty() ? p.run_dir : !p.stats.empty() ? p.stats : p.quant_report, e.what());
  }
}

int RunReport(const ReportParams& p) {
  WriteFileAtomic(p.out, RenderPage(p));
  fmt::print("wrote {}\n", p.out);
  return kExitOk;
}

}  // namespace

void RegisterReport(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<ReportParams>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "A self-contained HTML page (pictures inline, no network) from saved faq outputs. Examples:\n"
      "  faq report --stats stats/stats.json --out stats.html\n"
      "  faq report --quant-report Qwen3-8B-int4/quant_report.json --out quant.html\n"
      "  faq report --run-dir runs/demo --stats runs/demo/stats/stats.json --out run.html");
  auto* stats = cmd->add_option("--stats", p->stats, "stats.json of a faq stats run")->check(CLI::ExistingFile);
  auto* quant = cmd->add_option("--quant-report", p->quant_report, "quant_report.json of a faq quantize run")
                    ->check(CLI::ExistingFile);
  auto* run_dir = cmd->add_option("--run-dir", p->run_dir, "A faq pipeline run directory (its results.json)")
                      ->check(CLI::ExistingDirectory);
  quant->excludes(stats);
  quant->excludes(run_dir);
  cmd->add_option("--out", p->out, "The HTML file to write")->required();
  cmd->callback([p, &run] {
    if (p->stats.empty() && p->quant_report.empty() && p->run_dir.empty()) {
      throw UsageError("give --stats, --quant-report or --run-dir");
    }
    if (!p->run_dir.empty() && !fs::is_regular_file(fs::path(p->run_dir) / "results.json")) {
      throw UsageError(fmt::format("--run-dir {}: no results.json (has faq pipeline finished there?)", p->run_dir));
    }
    run = [p] { return RunReport(*p); };
  });
}

}  // namespace faq::cli
