// RunJudge: resume bookkeeping and one task per seed still to judge.
#include "faq/regen/judge.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "faq/client/worker_pool.h"
#include "faq/io/jsonl.h"
#include "faq/regen/jsonl_appender.h"
#include "faq/regen/regenerate.h"
#include "faq/regen/seed_judges.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "faq/util/progress.h"

namespace faq {
namespace {

void Validate(const JudgeOptions& o) {
  if (o.candidates.empty() || o.out.empty()) throw UsageError("--candidates and --out are required");
  if (o.mode == JudgeMode::kNone) return;
  if (o.endpoints.empty()) throw UsageError("--endpoint: a judge endpoint is required (or --no-judge)");
  if (o.model.empty()) throw UsageError("--model: the judge's served model name is required (or --no-judge)");
  if (o.concurrency < 1) throw UsageError(fmt::format("--concurrency: expected at least 1, got {}", o.concurrency));
  if (o.max_tokens < 1) throw UsageError(fmt::format("--max-tokens: expected at least 1, got {}", o.max_tokens));
  if (o.retries < 0 || o.reasks < 0) throw UsageError("--retries and --reasks: expected 0 or more");
  if (o.timeout_s <= 0) throw UsageError(fmt::format("--timeout: expected seconds > 0, got {}", o.timeout_s));
}

PromptTemplate LoadRubric(const JudgeOptions& o) {
  if (o.mode == JudgeMode::kPairwise) {
    auto path = o.rubric_file.empty() ? DefaultPromptPath("judge_pairwise.txt") : o.rubric_file;
    return PromptTemplate::Load(path, {"query", "response_a", "response_b"}, {"response_a", "response_b"});
  }
  auto path = o.rubric_file.empty() ? DefaultPromptPath("judge_score.txt") : o.rubric_file;
  return PromptTemplate::Load(path, {"query", "response"}, {"response"});
}

}  // namespace

JudgeMode ParseJudgeMode(const std::string& name) {
  if (name == "score") return JudgeMode::kScore;
  if (name == "pairwise") return JudgeMode::kPairwise;
  if (name == "none") return JudgeMode::kNone;
  throw UsageError(fmt::format("--mode: expected score|pairwise|none, got '{}'", name));
}

const char* JudgeModeName(JudgeMode mode) {
  switch (mode) {
    case JudgeMode::kScore: return "score";
    case JudgeMode::kPairwise: return "pairwise";
    case JudgeMode::kNone: return "none";
  }
  return "?";
}

nlohmann::json JudgeSummary::ToJson() const {
  return {{"seeds", seeds},       {"judged", judged},
          {"already", already},   {"failed", failed},
          {"unscored", unscored}, {"reasks", reasks},
          {"requests", requests}, {"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens}, {"seconds", seconds},
          {"mode", mode}};
}

namespace {

// Verdicts are appended as they finish, which varies with concurrency; once every seed is
// judged the file is rewritten in id order so that the calibration set built from it (and
// the floating-point sums of its Hessians) is the same on every run.
void SortRecordsById(const std::filesystem::path& path) {
  std::vector<std::pair<std::string, std::string>> records;
  JsonlReader reader(path);
  while (auto rec = reader.Next()) records.emplace_back(IdKey(rec->value.at("id")), rec->value.dump());
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text;
  for (const auto& [id, line] : records) text += line + "\n";
  WriteFileAtomic(path, text);
}

}  // namespace

JudgeSummary RunJudge(const JudgeOptions& o) {
  Validate(o);
  auto start = std::chrono::steady_clock::now();
  std::vector<CandidateGroup> groups = ReadCandidateGroups(o.candidates);
  std::optional<PromptTemplate> rubric;
  if (o.mode != JudgeMode::kNone) rubric = LoadRubric(o);

  JsonlAppender out(o.out, JsonlAppender::Mode::kResume);
  if (out.cut_torn_line()) spdlog::warn("{}: cut off a torn last line left by an interrupted run", o.out.string());
  std::unordered_set<std::string> done;
  for (const auto& rec : out.existing()) {
    if (!rec.value.contains("id")) Fail("{}: field 'id' is missing", Where(o.out, rec.line));
    done.insert(IdKey(rec.value["id"]));
  }
  std::vector<const CandidateGroup*> todo;
  for (const auto& g : groups) {
    if (!done.count(IdKey(g.id)) && !g.candidates.empty()) todo.push_back(&g);
  }
  JudgeSummary summary;
  summary.mode = JudgeModeName(o.mode);
  summary.seeds = static_cast<int64_t>(groups.size());
  summary.already = summary.seeds - static_cast<int64_t>(todo.size());
  spdlog::info("judge ({}): {} seeds, {} already judged, {} to judge", summary.mode, groups.size(), summary.already,
               todo.size());

  std::unique_ptr<ChatClient> client;
  if (o.mode != JudgeMode::kNone) {
    client = std::make_unique<ChatClient>(
        MakeChatClientOptions(o.endpoints, o.api_key_env, o.timeout_s, o.retries, o.backoff_base_s));
  }
  JudgeContext ctx;
  ctx.client = client.get();
  ctx.model = o.model;
  ctx.prompt = rubric ? &*rubric : nullptr;
  ctx.max_tokens = o.max_tokens;
  ctx.reasks = o.reasks;
  JsonlAppender failed(FailedPath(o.out), JsonlAppender::Mode::kTruncate);
  std::atomic<int64_t> judged{0}, failures{0}, unscored{0};
  std::mutex progress_mutex;
  Progress progress("judge", todo.size(), "seeds");
  const Json judge_info = {{"mode", summary.mode}, {"model", o.mode == JudgeMode::kNone ? Json() : Json(o.model)}};

  RunConcurrently(o.mode == JudgeMode::kNone ? 1 : o.concurrency, todo.size(), [&](size_t t) {
    const CandidateGroup& g = *todo[t];
    try {
      Verdict v = o.mode == JudgeMode::kScore    ? JudgeByScore(ctx, g)
                  : o.mode == JudgeMode::kPairwise ? JudgeByPairwise(ctx, g)
                                                   : KeepFirstCandidate(g);
      const Candidate& c = *v.chosen;
      Json rec = {{"id", g.id},
                  {"query", g.query},
                  {"response", c.response},
                  {"reasoning", c.reasoning},
                  {"candidate", c.index},
                  {"score", v.score ? Json(*v.score) : Json()},
                  {"scores", v.scores},
                  {"judge", judge_info},
                  {"finish_reason", c.finish_reason},
                  {"truncated", c.truncated},
                  {"unscored", v.unscored}};
      if (!v.comparisons.is_null()) rec["comparisons"] = v.comparisons;
      out.Append(rec);
      ++judged;
      if (v.unscored) ++unscored;
    } catch (const ChatError& e) {
      failed.Append({{"id", g.id}, {"error", e.what()}, {"status", e.status()}});
      ++failures;
      spdlog::warn("seed {}: judging failed: {}", g.id.dump(), e.what());
    }
    std::lock_guard lock(progress_mutex);
    progress.Advance();
  });
  progress.Finish();
  if (failures == 0) SortRecordsById(o.out);

  summary.judged = judged;
  summary.failed = failures;
  summary.unscored = unscored;
  summary.reasks = ctx.reask_count;
  summary.requests = ctx.requests;
  summary.prompt_tokens = ctx.prompt_tokens;
  summary.completion_tokens = ctx.completion_tokens;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace faq
