// The judge's request, score mode, and keeping the first candidate.
#include <map>

#include "faq/regen/judge_reply_parser.h"
#include "faq/regen/seed_judges.h"

namespace faq {

std::string JudgeContext::Request(const std::string& text, int attempt) {
  Json request = {{"model", model},
                  {"messages", Json::array({{{"role", "user"}, {"content", text}}})},
                  {"max_tokens", max_tokens},
                  {"temperature", attempt == 0 ? 0.0 : 0.7},
                  {"chat_template_kwargs", {{"enable_thinking", false}}}};
  if (attempt > 0) request["seed"] = attempt;
  ChatReply reply = client->Complete(request);
  ++requests;
  prompt_tokens += UsageTokens(reply.usage, "prompt_tokens");
  completion_tokens += UsageTokens(reply.usage, "completion_tokens");
  return reply.choices.empty() ? std::string() : reply.choices[0].content;
}

bool PreferOnTie(const Candidate& a, const Candidate& b) {
  if (a.response.size() != b.response.size()) return a.response.size() < b.response.size();
  return a.index < b.index;
}

Verdict JudgeByScore(JudgeContext& ctx, const CandidateGroup& group) {
  std::vector<const Candidate*> eligible = EligibleCandidates(group);
  std::map<int, std::optional<double>> scored;
  Verdict v;
  for (const Candidate* c : eligible) {
    std::string text = ctx.prompt->Render({{"query", group.query}, {"response", c->response}});
    std::optional<double> s = ctx.Ask<double>(text, [](const std::string& a) { return ParseJudgeScore(a); });
    scored[c->index] = s;
    if (s && (!v.score || *s > *v.score || (*s == *v.score && PreferOnTie(*c, *v.chosen)))) {
      v.score = s;
      v.chosen = c;
    }
  }
  for (const auto& c : group.candidates) {
    auto it = scored.find(c.index);
    Json row = {{"candidate", c.index}, {"score", it != scored.end() && it->second ? Json(*it->second) : Json()}};
    if (it == scored.end()) row["skipped"] = "truncated";
    v.scores.push_back(row);
  }
  if (!v.chosen) {
    v.chosen = eligible.front();
    v.unscored = true;
  }
  return v;
}

Verdict KeepFirstCandidate(const CandidateGroup& group) {
  Verdict v;
  v.chosen = EligibleCandidates(group).front();
  return v;
}

}  // namespace faq
