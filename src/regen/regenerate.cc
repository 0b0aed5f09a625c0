// RunRegenerate: resume bookkeeping, one task per seed with missing candidates, records.
#include "faq/regen/regenerate.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "faq/client/chat_client.h"
#include "faq/client/worker_pool.h"
#include "faq/regen/jsonl_appender.h"
#include "faq/regen/prompt_template.h"
#include "faq/regen/seed_reader.h"
#include "faq/util/error.h"
#include "faq/util/progress.h"

namespace faq {
namespace {

void Validate(const RegenerateOptions& o) {
  if (o.model.empty()) throw UsageError("--model: the served model name is required");
  if (o.n < 1) throw UsageError(fmt::format("--n: expected at least 1, got {}", o.n));
  if (o.concurrency < 1) throw UsageError(fmt::format("--concurrency: expected at least 1, got {}", o.concurrency));
  if (o.max_tokens < 1) throw UsageError(fmt::format("--max-tokens: expected at least 1, got {}", o.max_tokens));
  if (o.retries < 0) throw UsageError(fmt::format("--retries: expected 0 or more, got {}", o.retries));
  if (o.timeout_s <= 0) throw UsageError(fmt::format("--timeout: expected seconds > 0, got {}", o.timeout_s));
  if (o.out.empty() || o.seeds.empty()) throw UsageError("--seeds and --out are required");
}

// What the workers share: the client, the two output files and the counters.
struct RegenerateRun {
  RegenerateRun(const RegenerateOptions& o, ChatClient& c, const PromptTemplate& p, JsonlAppender& out_file,
                JsonlAppender& failed_file, uint64_t total)
      : options(o), client(c), prompt(p), out(out_file), failed(failed_file), progress("regenerate", total, "candidates") {}

  const RegenerateOptions& options;
  ChatClient& client;
  const PromptTemplate& prompt;
  JsonlAppender& out;
  JsonlAppender& failed;
  std::atomic<bool> n_supported{true};
  std::atomic<int64_t> written{0}, truncated{0}, failures{0}, prompt_tokens{0}, completion_tokens{0}, requests{0};
  std::mutex progress_mutex;
  Progress progress;

  Json Request(const Seed& seed, int n, std::optional<uint64_t> request_seed) const {
    Json r = {{"model", options.model},
              {"messages", Json::array({{{"role", "user"}, {"content", prompt.Render({{"query", seed.query}})}}})},
              {"max_tokens", options.max_tokens},
              {"temperature", options.temperature},
              {"top_p", options.top_p}};
    if (options.top_k > 0) r["top_k"] = options.top_k;
    if (n > 1) r["n"] = n;
    if (request_seed) r["seed"] = *request_seed;
    if (!options.cot) r["chat_template_kwargs"] = {{"enable_thinking", false}};
    return r;
  }

  void Count(const ChatReply& reply) {
    ++requests;
    prompt_tokens += UsageTokens(reply.usage, "prompt_tokens");
    completion_tokens += UsageTokens(reply.usage, "completion_tokens");
  }

  void Write(const Seed& seed, int candidate, const ChatChoice& c, const ChatReply& reply, int choices_in_request) {
    bool cut = c.finish_reason == "length";
    Json rec = {{"id", seed.id},
                {"candidate", candidate},
                {"query", seed.query},
                {"response", c.content},
                {"reasoning", c.reasoning ? Json(*c.reasoning) : Json(nullptr)},
                {"finish_reason", c.finish_reason},
                {"truncated", cut},
                {"usage", reply.usage},
                {"request_choices", choices_in_request},
                {"model", reply.model.empty() ? options.model : reply.model},
                {"endpoint", reply.endpoint},
                {"seconds", reply.seconds}};
    out.Append(rec);
    ++written;
    if (cut) ++truncated;
    Tick();
  }

  void Failure(const Seed& seed, int candidate, const ChatError& e) {
    failed.Append({{"id", seed.id}, {"candidate", candidate}, {"query", seed.query}, {"error", e.what()},
                   {"status", e.status()}});
    ++failures;
    spdlog::warn("seed {} candidate {} failed: {}", seed.id.dump(), candidate, e.what());
    Tick();
  }

  void Tick() {
    std::lock_guard lock(progress_mutex);
    progress.Advance();
  }

  // Asks for the seed's missing candidates: all in one request with `n` while the server
  // accepts it, the rest (or all, with per-candidate seeds) one request each.
  void Answer(const Seed& seed, std::vector<int> missing) {
    if (!options.seed && missing.size() > 1 && n_supported.load()) {
      try {
        ChatReply reply = client.Complete(Request(seed, static_cast<int>(missing.size()), std::nullopt));
        Count(reply);
        size_t got = std::min(reply.choices.size(), missing.size());
        for (size_t k = 0; k < got; ++k) Write(seed, missing[k], reply.choices[k], reply, static_cast<int>(got));
        missing.erase(missing.begin(), missing.begin() + static_cast<std::ptrdiff_t>(got));
      } catch (const ChatError& e) {
        if (e.status() != 400) {
          for (int i : missing) Failure(seed, i, e);
          return;
        }
        if (n_supported.exchange(false)) {
          spdlog::warn("the server rejected n={} ({}); asking one candidate per request from now on",
                       missing.size(), e.what());
        }
      }
    }
    std::string key = IdKey(seed.id);
    for (int i : missing) {
      std::optional<uint64_t> s;
      if (options.seed) s = DerivedSeed(*options.seed, key, i);
      try {
        ChatReply reply = client.Complete(Request(seed, 1, s));
        Count(reply);
        if (reply.choices.empty()) throw ChatError(fmt::format("{}: the server returned no choices", reply.endpoint), 200, true);
        Write(seed, i, reply.choices[0], reply, 1);
      } catch (const ChatError& e) {
        Failure(seed, i, e);
      }
    }
  }
};

PromptTemplate LoadPrompt(const RegenerateOptions& o) {
  std::filesystem::path path = o.prompt_file.empty() ? DefaultPromptPath(o.cot ? "cot.txt" : "no_cot.txt") : o.prompt_file;
  return PromptTemplate::Load(path, {"query"}, {"query"});
}

}  // namespace

std::filesystem::path FailedPath(const std::filesystem::path& out) { return out.string() + ".failed.jsonl"; }

uint64_t DerivedSeed(uint64_t base, const std::string& id_key, int candidate) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the id, then splitmix64 with the index
  for (unsigned char c : id_key) h = (h ^ c) * 1099511628211ull;
  uint64_t z = base ^ h ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(candidate + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  // 31 bits: every server's seed field (vLLM, SGLang, TGI) takes that.
  return z & 0x7fffffffull;
}

nlohmann::json RegenerateSummary::ToJson() const {
  return {{"seeds", seeds},
          {"seeds_complete", seeds_complete},
          {"candidates", candidates},
          {"new_candidates", new_candidates},
          {"truncated", truncated},
          {"failed", failed},
          {"requests", requests},
          {"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"seconds", seconds},
          {"tokens_per_s", seconds > 0 ? static_cast<double>(completion_tokens) / seconds : 0.0}};
}

RegenerateSummary RunRegenerate(const RegenerateOptions& o) {
  Validate(o);
  auto start = std::chrono::steady_clock::now();
  std::vector<Seed> seeds = ReadSeeds(o.seeds, o.query_field);
  PromptTemplate prompt = LoadPrompt(o);
  ChatClientOptions client_options =
      MakeChatClientOptions(o.endpoints, o.api_key_env, o.timeout_s, o.retries, o.backoff_base_s);

  JsonlAppender out(o.out, JsonlAppender::Mode::kResume);
  if (out.cut_torn_line()) spdlog::warn("{}: cut off a torn last line left by an interrupted run", o.out.string());
  std::unordered_map<std::string, std::set<int>> have;
  for (const auto& rec : out.existing()) {
    const Json& v = rec.value;
    if (!v.contains("id") || !v.contains("candidate") || !v["candidate"].is_number_integer()) {
      Fail("{}: a candidate record needs 'id' and an integer 'candidate'", Where(o.out, rec.line));
    }
    have[IdKey(v["id"])].insert(v["candidate"].get<int>());
  }
  bool torn_failed = false;
  size_t previous_failures = ReadJsonlIgnoringTornTail(FailedPath(o.out), &torn_failed).size();
  if (previous_failures > 0) spdlog::info("retrying {} candidates that failed in the previous run", previous_failures);

  std::vector<std::pair<size_t, std::vector<int>>> tasks;
  uint64_t missing_total = 0;
  for (size_t s = 0; s < seeds.size(); ++s) {
    const auto& present = have[IdKey(seeds[s].id)];
    std::vector<int> missing;
    for (int i = 0; i < o.n; ++i) if (!present.count(i)) missing.push_back(i);
    missing_total += missing.size();
    if (!missing.empty()) tasks.emplace_back(s, std::move(missing));
  }
  spdlog::info("regenerate: {} seeds, {} already complete, {} candidates to ask for", seeds.size(),
               seeds.size() - tasks.size(), missing_total);

  ChatClient client(client_options);
  JsonlAppender failed(FailedPath(o.out), JsonlAppender::Mode::kTruncate);
  RegenerateRun run(o, client, prompt, out, failed, missing_total);
  RunConcurrently(o.concurrency, tasks.size(),
                  [&](size_t t) { run.Answer(seeds[tasks[t].first], tasks[t].second); });
  run.progress.Finish();

  RegenerateSummary summary;
  summary.seeds = static_cast<int64_t>(seeds.size());
  summary.new_candidates = run.written;
  summary.truncated = run.truncated;
  summary.failed = run.failures;
  summary.prompt_tokens = run.prompt_tokens;
  summary.completion_tokens = run.completion_tokens;
  summary.requests = run.requests;
  int64_t before = 0;
  for (const auto& seed : seeds) {
    size_t present = 0;
    for (int i : have[IdKey(seed.id)]) present += i < o.n;
    before += static_cast<int64_t>(present);
  }
  summary.candidates = before + summary.new_candidates;
  // A seed is complete unless one of its missing candidates failed for good.
  std::set<std::string> incomplete;
  for (const auto& rec : ReadJsonlIgnoringTornTail(FailedPath(o.out))) incomplete.insert(IdKey(rec.value["id"]));
  summary.seeds_complete = summary.seeds - static_cast<int64_t>(incomplete.size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace faq
