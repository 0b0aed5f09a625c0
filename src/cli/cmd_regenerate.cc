// faq regenerate: the elder sibling answers each seed prompt n times (OpenAI API).
#include <spdlog/spdlog.h>

#include "cli/client_options.h"
#include "cli/commands.h"
#include "faq/regen/regenerate.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct RegenerateParams {
  RegenerateOptions options;
  std::string seeds, out, prompt;
  uint64_t seed = 0;
  bool no_cot = false;
  bool json = false;
};

int RunRegenerateCommand(RegenerateParams& p, bool seed_given) {
  RegenerateOptions o = p.options;
  o.seeds = p.seeds;
  o.out = p.out;
  o.prompt_file = p.prompt;
  o.cot = !p.no_cot;
  if (seed_given) o.seed = p.seed;
  RegenerateSummary s = RunRegenerate(o);
  fmt::print(stderr,
             "regenerate: {} seeds ({} complete), {} candidates ({} new, {} truncated), {} failed; tokens {} prompt / {} "
             "completion in {:.1f}s ({:.1f} completion tokens/s); wrote {}\n",
             s.seeds, s.seeds_complete, s.candidates, s.new_candidates, s.truncated, s.failed, s.prompt_tokens,
             s.completion_tokens, s.seconds, s.seconds > 0 ? s.completion_tokens / s.seconds : 0.0, p.out);
  if (p.json) {
    nlohmann::json j = s.ToJson();
    j["out"] = p.out;
    j["failed_file"] = FailedPath(p.out).string();
    PrintJsonResult(j);
  }
  // Not a success: a script or `faq pipeline` would go on with seeds missing candidates.
  if (s.failed > 0) {
    Fail("{} candidates failed for good (listed in {}); what succeeded is kept in {}: run the same command again "
         "to retry them",
         s.failed, FailedPath(p.out).string(), p.out);
  }
  return kExitOk;
}

}  // namespace

void RegisterRegenerate(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<RegenerateParams>();
  RegenerateOptions& o = p->options;
  CLI::App* cmd = app.add_subcommand(
      "regenerate",
      "Ask the elder sibling (an OpenAI-compatible server: vLLM, SGLang, faq serve) for n candidate\n"
      "answers to every seed prompt, with its chain of thought. Each finished candidate is appended to\n"
      "--out at once; re-running the command resumes (complete seeds are skipped, nothing is\n"
      "duplicated) and retries the candidates listed in <out>.failed.jsonl (a run that leaves any there\n"
      "exits 1, after its summary). Record formats:\n"
      "docs/records.md. Example:\n"
      "  faq regenerate --endpoint http://gpu1:8000/v1,http://gpu2:8000/v1 --model Qwen/Qwen3-235B-A22B \\\n"
      "      --seeds seeds.jsonl --out candidates.jsonl --n 3 --json");
  cmd->add_option("--endpoint", o.endpoints, "OpenAI base URL(s), comma-separated, used round-robin")
      ->required()
      ->delimiter(',');
  cmd->add_option("--model", o.model, "Served model name sent in every request")->required();
  cmd->add_option("--seeds", p->seeds, "seeds.jsonl: id + query (or question/problem/prompt, or --field)")->required();
  cmd->add_option("--out", p->out, "candidates.jsonl (appended, resumable)")->required();
  cmd->add_option("--n", o.n, "Candidates per seed")->capture_default_str();
  cmd->add_option("--prompt", p->prompt,
                  "Prompt file with {query} (default: configs/prompts/cot.txt, or no_cot.txt with --no-cot)");
  cmd->add_flag("--no-cot", p->no_cot,
                "Answer only (the paper's w/o-CoT ablation): no_cot.txt and chat_template_kwargs.enable_thinking=false");
  cmd->add_option("--field", o.query_field, "Seed field holding the query (default: query|question|problem|prompt)");
  cmd->add_option("--concurrency", o.concurrency, "Requests in flight")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", o.max_tokens, "max_tokens per answer (reasoning included)")->capture_default_str();
  cmd->add_option("--temperature", o.temperature, "Sampling temperature")->capture_default_str();
  cmd->add_option("--top-p", o.top_p, "Nucleus sampling")->capture_default_str();
  cmd->add_option("--top-k", o.top_k, "Top-k sampling (0: not sent)")->capture_default_str();
  CLI::Option* seed = cmd->add_option(
      "--seed", p->seed,
      "Base seed: candidate i of each seed gets its own derived request seed (one request per candidate)");
  AddClientOptions(cmd, o);
  cmd->add_flag("--json", p->json, "Print a JSON summary as the last stdout line");
  cmd->callback([p, seed, &run] { run = [p, seed] { return RunRegenerateCommand(*p, seed->count() > 0); }; });
}

}  // namespace faq::cli
