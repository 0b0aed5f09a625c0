// Pairwise mode: a knockout in which every comparison is asked in both orders.
#include "faq/regen/judge_reply_parser.h"
#include "faq/regen/seed_judges.h"

#include <map>

namespace faq {

// The champion meets each challenger once. Asking (champion, challenger) and
// (challenger, champion) cancels a judge's habit of preferring the first (or second)
// slot: a judge that only ever says "A" gives each side one vote, a tie, and ties go to
// the shorter answer as in score mode. An unparseable order (after re-asks) votes for
// nobody.
Verdict JudgeByPairwise(JudgeContext& ctx, const CandidateGroup& group) {
  std::vector<const Candidate*> eligible = EligibleCandidates(group);
  std::map<int, int> votes;
  for (const Candidate* c : eligible) votes[c->index] = 0;
  Verdict v;
  v.comparisons = Json::array();
  const Candidate* champion = eligible.front();
  bool any_verdict = false;
  auto ask = [&](const Candidate& a, const Candidate& b) {
    std::string text = ctx.prompt->Render({{"query", group.query}, {"response_a", a.response}, {"response_b", b.response}});
    return ctx.Ask<char>(text, [](const std::string& s) { return ParseJudgeChoice(s); });
  };
  for (size_t k = 1; k < eligible.size(); ++k) {
    const Candidate* challenger = eligible[k];
    std::optional<char> first = ask(*champion, *challenger);   // champion is A
    std::optional<char> second = ask(*challenger, *champion);  // champion is B
    int champion_votes = (first == 'A') + (second == 'B');
    int challenger_votes = (first == 'B') + (second == 'A');
    any_verdict = any_verdict || first || second;
    votes[champion->index] += champion_votes;
    votes[challenger->index] += challenger_votes;
    const Candidate* winner = champion;
    if (challenger_votes > champion_votes || (challenger_votes == champion_votes && PreferOnTie(*challenger, *champion))) {
      winner = challenger;
    }
    auto verdict = [](std::optional<char> c) { return c ? Json(std::string(1, *c)) : Json(); };
    v.comparisons.push_back({{"a", champion->index}, {"b", challenger->index}, {"verdicts", {verdict(first), verdict(second)}},
                             {"winner", winner->index}});
    champion = winner;
  }
  for (const auto& c : group.candidates) {
    auto it = votes.find(c.index);
    Json row = {{"candidate", c.index}, {"score", it != votes.end() ? Json(it->second) : Json()}};
    if (it == votes.end()) row["skipped"] = "truncated";
    v.scores.push_back(row);
  }
  // With one eligible candidate there is nothing to compare: it wins without a verdict.
  v.unscored = eligible.size() > 1 && !any_verdict;
  v.chosen = v.unscored ? eligible.front() : champion;
  v.score = votes[v.chosen->index];
  return v;
}

}  // namespace faq
