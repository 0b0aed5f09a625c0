// The subcommand table: each `Register*` adds one command (or group) to the app and, when
// that command is chosen on the command line, stores its body in `run`.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>

namespace faq::cli {

// The body of the chosen command; returns the process exit code.
using CommandBody = std::function<int()>;

void RegisterEval(CLI::App& app, CommandBody& run);        // faq eval ppl
void RegisterTokenize(CLI::App& app, CommandBody& run);    // faq tokenize / detokenize
void RegisterTemplate(CLI::App& app, CommandBody& run);    // faq template
void RegisterAssemble(CLI::App& app, CommandBody& run);    // faq assemble
void RegisterQuantize(CLI::App& app, CommandBody& run);    // faq quantize
void RegisterStats(CLI::App& app, CommandBody& run);       // faq stats
void RegisterReport(CLI::App& app, CommandBody& run);      // faq report
void RegisterRegenerate(CLI::App& app, CommandBody& run);  // faq regenerate
void RegisterJudge(CLI::App& app, CommandBody& run);       // faq judge
void RegisterServe(CLI::App& app, CommandBody& run);       // faq serve
void RegisterPipeline(CLI::App& app, CommandBody& run);    // faq pipeline

// Prints `result` as one line on stdout: the last line of a `--json` command.
void PrintJsonResult(const nlohmann::json& result);

}  // namespace faq::cli
