// ReadCandidateGroups and EligibleCandidates.
#include "faq/regen/candidate_set.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "faq/regen/jsonl_appender.h"
#include "faq/util/error.h"

namespace faq {
namespace {

std::string StringField(const Json& v, const char* key, const std::string& where) {
  auto it = v.find(key);
  if (it == v.end()) Fail("{}: field '{}' is missing", where, key);
  if (!it->is_string()) Fail("{}: field '{}' must be a string, got {}", where, key, it->type_name());
  return it->get<std::string>();
}

}  // namespace

std::vector<CandidateGroup> ReadCandidateGroups(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) Fail("cannot open '{}': no such file", path.string());
  bool torn = false;
  std::vector<JsonlRecord> records = ReadJsonlIgnoringTornTail(path, &torn);
  if (torn) spdlog::warn("{}: ignoring a torn last line (is faq regenerate still writing it?)", path.string());
  std::vector<CandidateGroup> groups;
  std::unordered_map<std::string, size_t> group_of;
  for (const auto& rec : records) {
    std::string where = Where(path, rec.line);
    const Json& v = rec.value;
    if (!v.contains("id") || !(v["id"].is_string() || v["id"].is_number_integer())) {
      Fail("{}: field 'id' must be a string or an integer", where);
    }
    if (!v.contains("candidate") || !v["candidate"].is_number_integer()) {
      Fail("{}: field 'candidate' must be an integer", where);
    }
    Candidate c;
    c.index = v["candidate"].get<int>();
    c.response = StringField(v, "response", where);
    c.reasoning = v.value("reasoning", Json());
    if (!c.reasoning.is_null() && !c.reasoning.is_string()) {
      Fail("{}: field 'reasoning' must be a string or null, got {}", where, c.reasoning.type_name());
    }
    if (v.contains("finish_reason") && v["finish_reason"].is_string()) c.finish_reason = v["finish_reason"];
    c.truncated = v.value("truncated", false) || c.finish_reason == "length";
    auto [it, fresh] = group_of.emplace(IdKey(v["id"]), groups.size());
    if (fresh) groups.push_back({v["id"], StringField(v, "query", where), {}});
    auto& list = groups[it->second].candidates;
    if (std::none_of(list.begin(), list.end(), [&](const Candidate& o) { return o.index == c.index; })) {
      list.push_back(std::move(c));
    }
  }
  for (auto& g : groups) {
    std::sort(g.candidates.begin(), g.candidates.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  }
  return groups;
}

std::vector<const Candidate*> EligibleCandidates(const CandidateGroup& group) {
  std::vector<const Candidate*> out;
  for (const auto& c : group.candidates) if (!c.truncated) out.push_back(&c);
  if (out.empty()) for (const auto& c : group.candidates) out.push_back(&c);
  return out;
}

}  // namespace faq
