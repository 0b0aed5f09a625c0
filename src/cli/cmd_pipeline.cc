// faq pipeline: the FAQ stages chained, cached and resumable in a run directory.
#include <fmt/format.h>

#include "cli/commands.h"
#include "faq/quant/quantize_options.h"
#include "faq/pipeline/pipeline.h"

namespace faq::cli {

void RegisterPipeline(CLI::App& app, CommandBody& run) {
  struct Params {
    std::string config, run_dir, from, until;
    std::vector<std::string> overrides;
    bool json = false;
  };
  auto p = std::make_shared<Params>();
  CLI::App* cmd = app.add_subcommand(
      "pipeline",
      "Run regenerate → judge → assemble → quantize → eval as a YAML config says. Each step is the faq\n"
      "subcommand a user would type; its output stays in the run directory and is reused when its command\n"
      "line and inputs are unchanged, so a re-run after a crash continues where it stopped.\n"
      "Example:\n  faq pipeline --config configs/demo.yaml --set judge.no_judge=true --run-dir runs/no-judge");
  cmd->add_option("--config", p->config, "Pipeline YAML (see configs/demo.yaml)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--run-dir", p->run_dir, "Run directory (overrides run_dir in the config)");
  cmd->add_option("--from", p->from, "First stage to run: regenerate|judge|assemble|quantize|eval");
  cmd->add_option("--until", p->until, "Last stage to run");
  cmd->add_option("--set", p->overrides,
                  "Override a config value: key.path=value (YAML scalar), repeatable; e.g. regenerate.no_cot=true");
  cmd->add_flag("--json", p->json, "Print the results as one JSON object on the last line");
  cmd->callback([p, &run] {
    run = [p] {
      std::vector<std::string> overrides = p->overrides;
      if (!p->run_dir.empty()) overrides.push_back("run_dir=" + p->run_dir);
      const PipelineConfig config = LoadPipelineConfig(p->config, overrides, QuantizeOptionSpecs());
      const nlohmann::json results = RunPipeline(config, {p->from, p->until, ""});
      fmt::print("{}", ResultsMarkdown(results));
      if (p->json) {
        nlohmann::json summary{{"run_dir", results["run_dir"]}, {"table", results["table"]}};
        PrintJsonResult(summary);
      }
      return 0;
    };
  });
}

}  // namespace faq::cli
