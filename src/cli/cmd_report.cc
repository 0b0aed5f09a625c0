// faq report: a self-contained HTML page from a saved stats.json or quant_report.json.
#include "cli/commands.h"
#include "faq/report/quant_report_page.h"
#include "faq/report/stats_report.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct ReportParams {
  std::string stats;
  std::string quant_report;
  std::string out;
};

nlohmann::json ReadJson(const std::string& path) {
  try {
    return nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::parse_error& e) {
    Fail("{}: not JSON: {}", path, e.what());
  }
}

int RunReport(const ReportParams& p) {
  std::string html;
  if (!p.stats.empty()) {
    const nlohmann::json stats = ReadJson(p.stats);
    if (stats.value("schema", std::string()) != "faq.stats/1") {
      Fail("{}: field 'schema' is not \"faq.stats/1\" (is it a faq stats output?)", p.stats);
    }
    try {
      html = StatsReportHtml(stats);
    } catch (const nlohmann::json::exception& e) {
      Fail("{}: {}", p.stats, e.what());
    }
  } else {
    html = QuantReportHtml(ReadJson(p.quant_report), p.quant_report);
  }
  WriteFileAtomic(p.out, html);
  fmt::print("wrote {}\n", p.out);
  return kExitOk;
}

}  // namespace

void RegisterReport(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<ReportParams>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "A self-contained HTML page (pictures inline, no network) from a saved faq output. Example:\n"
      "  faq report --quant-report Qwen3-8B-int4/quant_report.json --out report.html");
  auto* stats = cmd->add_option("--stats", p->stats, "stats.json of a faq stats run")->check(CLI::ExistingFile);
  auto* quant = cmd->add_option("--quant-report", p->quant_report, "quant_report.json of a faq quantize run")
                    ->check(CLI::ExistingFile);
  stats->excludes(quant);
  cmd->add_option("--out", p->out, "The HTML file to write")->required();
  cmd->callback([p, &run] {
    if (p->stats.empty() && p->quant_report.empty()) throw UsageError("give --stats or --quant-report");
    run = [p] { return RunReport(*p); };
  });
}

}  // namespace faq::cli
