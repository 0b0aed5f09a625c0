// faq pipeline: the FAQ stages chained, cached and resumable in a run directory.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <filesystem>

#include "cli/commands.h"
#include "faq/quant/quantize_options.h"
#include "faq/pipeline/pipeline.h"

namespace faq::cli {
namespace {

// One command's long options as CLI11 holds them: a switch's "off" name is the long name
// whose flag value is "false" (declared `!--name`).
std::vector<CommandOption> DeclaredOptions(const CLI::App& command) {
  std::vector<CommandOption> out;
  for (const CLI::Option* option : command.get_options()) {
    CommandOption o;
    o.takes_value = option->get_items_expected_max() > 0;
    for (const std::string& name : option->get_lnames()) {
      if (!o.takes_value && option->get_flag_value(name, "") == "false") o.negation = name;
      else if (o.flag.empty()) o.flag = name;
    }
    if (!o.flag.empty() && o.flag != "help") out.push_back(o);
  }
  return out;
}

// The options of the commands the config's sections configure, read from their own
// registration (a scratch app), so the pipeline checks sections against what the commands
// declare and nothing is listed twice.
StageCommands StageCommandOptions() {
  CLI::App scratch;
  CommandBody unused;
  RegisterRegenerate(scratch, unused);
  RegisterJudge(scratch, unused);
  RegisterAssemble(scratch, unused);
  RegisterEval(scratch, unused);
  RegisterServe(scratch, unused);
  return {{"regenerate", {"faq regenerate", DeclaredOptions(*scratch.get_subcommand("regenerate"))}},
          {"judge", {"faq judge", DeclaredOptions(*scratch.get_subcommand("judge"))}},
          {"assemble", {"faq assemble", DeclaredOptions(*scratch.get_subcommand("assemble"))}},
          {"eval", {"faq eval ppl", DeclaredOptions(*scratch.get_subcommand("eval")->get_subcommand("ppl"))}},
          {"servers", {"faq serve", DeclaredOptions(*scratch.get_subcommand("serve"))}}};
}

// torchrun for `nproc` steps: $FAQ_TORCHRUN, else the project venv's (the one the build
// found LibTorch in), else one on PATH.
// One line per step: what a run would do, then the command it would run.
void PrintPlan(const nlohmann::json& plan) {
  size_t index = 0;
  for (const auto& step : plan) {
    fmt::print("[{}/{}] {:4} {}: {}\n", ++index, plan.size(), step["action"].get<std::string>(),
               step["step"].get<std::string>(), fmt::join(step["argv"].get<std::vector<std::string>>(), " "));
  }
}

std::pair<std::string, std::string> FindTorchrun() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("FAQ_TORCHRUN"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);  // the user's choice: nothing else is tried
  } else {
#ifdef FAQ_DEFAULT_TORCHRUN
    candidates.emplace_back(FAQ_DEFAULT_TORCHRUN);
#endif
    if (const char* path = std::getenv("PATH")) {
      std::string_view dirs = path;
      for (size_t start = 0; start <= dirs.size();) {
        const size_t colon = std::min(dirs.find(':', start), dirs.size());
        if (colon > start) candidates.push_back(std::filesystem::path(dirs.substr(start, colon - start)) / "torchrun");
        start = colon + 1;
      }
    }
  }
  std::vector<std::string> searched;
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) return {c.string(), ""};
    searched.push_back(c.string());
  }
  return {"", searched.empty() ? std::string("nowhere: FAQ_TORCHRUN and PATH are empty")
                               : fmt::format("{}", fmt::join(searched, ", "))};
}

}  // namespace

void RegisterPipeline(CLI::App& app, CommandBody& run) {
  struct Params {
    std::string config, run_dir, from, until;
    std::vector<std::string> overrides;
    bool json = false;
    bool dry_run = false;
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
  cmd->add_flag("--dry-run", p->dry_run,
                "Check the config and print each step with what a run would do (run, keep: results current, skip: "
                "outside --from/--until); start and write nothing");
  cmd->callback([p, &run] {
    run = [p] {
      std::vector<std::string> overrides = p->overrides;
      if (!p->run_dir.empty()) overrides.push_back("run_dir=" + p->run_dir);
      const PipelineConfig config = LoadPipelineConfig(p->config, overrides, QuantizeOptionSpecs(), StageCommandOptions());
      const auto [torchrun, searched] = FindTorchrun();
      const nlohmann::json results = RunPipeline(config, {p->from, p->until, "", torchrun, searched, p->dry_run});
      if (p->dry_run) {
        PrintPlan(results["plan"]);
        if (p->json) PrintJsonResult(results);
        return 0;
      }
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
