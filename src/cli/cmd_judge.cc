// faq judge: keep the best of each seed's candidates, as rated by a judge model.
#include <spdlog/spdlog.h>

#include "cli/client_options.h"
#include "cli/commands.h"
#include "faq/regen/judge.h"
#include "faq/regen/regenerate.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct JudgeParams {
  JudgeOptions options;
  std::string candidates, out, rubric, mode = "score";
  bool no_judge = false;
  bool json = false;
};

int RunJudgeCommand(JudgeParams& p) {
  JudgeOptions o = p.options;
  o.candidates = p.candidates;
  o.out = p.out;
  o.rubric_file = p.rubric;
  o.mode = p.no_judge ? JudgeMode::kNone : ParseJudgeMode(p.mode);
  JudgeSummary s = RunJudge(o);
  fmt::print(stderr, "judge ({}): {} seeds, {} judged now, {} earlier, {} failed, {} unscored; {} requests in {:.1f}s; wrote {}\n",
             s.mode, s.seeds, s.judged, s.already, s.failed, s.unscored, s.requests, s.seconds, p.out);
  if (s.unscored > 0) {
    spdlog::warn("{} of {} seeds judged now got no parseable verdict and keep candidate 0{}", s.unscored, s.judged,
                 2 * s.unscored > s.judged ? ": most of the run is not judged; check that the judge model answers in "
                                             "the rubric's format (--rubric, --max-tokens, --reasks)"
                                           : "");
  }
  if (p.json) {
    nlohmann::json j = s.ToJson();
    j["out"] = p.out;
    PrintJsonResult(j);
  }
  // Not a success: a script or `faq pipeline` would assemble a set with seeds missing.
  if (s.failed > 0) {
    Fail("{} seeds failed for good (listed in {}); the judged ones are kept in {}: run the same command again to "
         "retry them",
         s.failed, FailedPath(p.out).string(), p.out);
  }
  return kExitOk;
}

}  // namespace

void RegisterJudge(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<JudgeParams>();
  JudgeOptions& o = p->options;
  CLI::App* cmd = app.add_subcommand(
      "judge",
      "Pick one answer per seed from faq regenerate's candidates with a judge model (OpenAI API) and\n"
      "write what faq assemble reads. Candidates cut off by max_tokens are ignored unless a seed has no\n"
      "other. Resumable: seeds already in --out are skipped; failed seeds (<out>.failed.jsonl) are\n"
      "retried by the next run, and a run that leaves any exits 1. Record formats: docs/records.md. Example:\n"
      "  faq judge --endpoint http://gpu1:8000/v1 --model Qwen/Qwen3-235B-A22B \\\n"
      "      --candidates candidates.jsonl --out judged.jsonl --json");
  cmd->add_option("--endpoint", o.endpoints, "Judge's OpenAI base URL(s), comma-separated")->delimiter(',');
  cmd->add_option("--model", o.model, "Judge's served model name");
  cmd->add_option("--candidates", p->candidates, "candidates.jsonl from faq regenerate")->required();
  cmd->add_option("--out", p->out, "judged.jsonl (appended, resumable)")->required();
  cmd->add_option("--rubric", p->rubric,
                  "Prompt file (default: configs/prompts/judge_score.txt with {query} {response}; pairwise: "
                  "judge_pairwise.txt with {query} {response_a} {response_b})");
  cmd->add_option("--mode", p->mode,
                  "score: rubric score per candidate, best wins (ties: shorter); pairwise: knockout of A/B "
                  "comparisons asked in both orders")
      ->check(CLI::IsMember({"score", "pairwise"}))
      ->capture_default_str();
  cmd->add_flag("--no-judge", p->no_judge, "Keep candidate 0 (the paper's w/o-Judge ablation); no endpoint needed");
  cmd->add_option("--concurrency", o.concurrency, "Seeds judged at once")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", o.max_tokens, "max_tokens of a verdict")->capture_default_str();
  cmd->add_option("--reasks", o.reasks, "Extra asks (sampled, new seed) after an unparseable verdict")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  AddClientOptions(cmd, o);
  cmd->add_flag("--json", p->json, "Print a JSON summary as the last stdout line");
  cmd->callback([p, &run] { run = [p] { return RunJudgeCommand(*p); }; });
}

}  // namespace faq::cli
