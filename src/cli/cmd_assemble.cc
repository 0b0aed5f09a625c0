// faq assemble: judged records -> calibration samples (chat template + tokenization).
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "faq/template/calibration_assembler.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct AssembleParams {
  std::string tokenizer;
  std::string in;
  std::string out;
  bool no_chat_template = false;
  int64_t max_tokens = 0;
  std::string overflow = "truncate";
  bool json = false;
};

int RunAssemble(const AssembleParams& p) {
  AssembleOptions o;
  o.use_chat_template = !p.no_chat_template;
  o.max_tokens = p.max_tokens;
  o.overflow = p.overflow == "drop" ? OverflowPolicy::kDrop : OverflowPolicy::kTruncate;
  AssembleStats s = AssembleCalibrationFile(p.tokenizer, p.in, p.out, o);
  std::string lengths = s.records_out > 0 ? fmt::format("{}/{}/{}", s.min_tokens, s.median_tokens, s.max_tokens) : "-";
  fmt::print(stderr, "assemble: {} records in, {} out ({} truncated, {} dropped); tokens min/median/max {}; wrote {}\n",
             s.records_in, s.records_out, s.truncated, s.dropped, lengths, p.out);
  if (p.json) {
    nlohmann::ordered_json j = s.ToJson();
    j["out"] = p.out;
    PrintJsonResult(nlohmann::json::parse(j.dump()));
  }
  return kExitOk;
}

}  // namespace

void RegisterAssemble(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<AssembleParams>();
  CLI::App* cmd = app.add_subcommand(
      "assemble",
      "Build the calibration set: render each judged {id, query, response, reasoning?} record as a\n"
      "[user, assistant] conversation with the target tokenizer's chat template and tokenize it.\n"
      "Record formats: docs/records.md. Example:\n"
      "  faq assemble --tokenizer ../shared/tokenizers/qwen3 --in judged.jsonl --out calib.jsonl --max-tokens 2048");
  cmd->add_option("--tokenizer", p->tokenizer, "Target model's tokenizer directory")->required();
  cmd->add_option("--in", p->in, "judged.jsonl")->required();
  cmd->add_option("--out", p->out, "calib.jsonl (written atomically)")->required();
  cmd->add_flag("--no-chat-template", p->no_chat_template, "Plain text: query + \"\\n\\n\" + response");
  cmd->add_option("--max-tokens", p->max_tokens, "Longest sample in tokens (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--overflow", p->overflow, "What to do with longer samples: truncate|drop")
      ->check(CLI::IsMember({"truncate", "drop"}))
      ->capture_default_str();
  cmd->add_flag("--json", p->json, "Print a JSON summary as the last stdout line");
  cmd->callback([p, &run] { run = [p] { return RunAssemble(*p); }; });
}

}  // namespace faq::cli
