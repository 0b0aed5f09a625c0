#include "bpe_model.h"

#include <fmt/format.h>

#include <queue>

#include "unicode.h"

namespace faq::tok {

BpeModel::BpeModel(const Field& model) {
  const Json& vocab = model["vocab"].Object();
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() > INT32_MAX) {
      model["vocab"][it.key()].Throw("expected a non-negative integer id");
    }
    int32_t id = it.value().get<int32_t>();
    vocab_.emplace(it.key(), id);
    max_id = std::max(max_id, id);
  }
  id_to_token_.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [token, id] : vocab_) id_to_token_[static_cast<size_t>(id)] = token;

  if (auto unk = model.Get("unk_token")) {
    std::string token = unk->String();
    auto it = vocab_.find(token);
    if (it == vocab_.end()) unk->Throw("unk_token '" + token + "' is not in model.vocab");
    unk_id_ = it->second;
  }
  fuse_unk_ = model.BoolOr("fuse_unk", false);
  byte_fallback_ = model.BoolOr("byte_fallback", false);
  ignore_merges_ = model.BoolOr("ignore_merges", false);
  continuing_subword_prefix_ = model.StringOr("continuing_subword_prefix", "");
  end_of_word_suffix_ = model.StringOr("end_of_word_suffix", "");
  if (auto dropout = model.Get("dropout"); dropout && dropout->Number() > 0.0) {
    dropout->Throw("BPE dropout is not supported (it makes encoding random)");
  }
  for (int b = 0; b < 256; ++b) {
    auto it = vocab_.find(fmt::format("<0x{:02X}>", b));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  ParseMerges(model["merges"]);
}

void BpeModel::ParseMerges(const Field& merges) {
  const Json& list = merges.Array();
  merges_.reserve(list.size());
  for (size_t rank = 0; rank < list.size(); ++rank) {
    Field entry = merges[rank];
    std::string left, right;
    if (entry.value().is_string()) {
      std::string line = entry.String();
      size_t space = line.find(' ');
      if (space == std::string::npos) entry.Throw("expected \"left right\", got \"" + line + "\"");
      left = line.substr(0, space);
      right = line.substr(space + 1);
    } else if (entry.value().is_array() && entry.value().size() == 2) {
      left = entry[0].String();
      right = entry[1].String();
    } else {
      entry.Throw("expected a string \"left right\" or a pair [left, right]");
    }
    auto l = vocab_.find(left), r = vocab_.find(right);
    if (l == vocab_.end()) entry.Throw("token '" + left + "' is not in model.vocab");
    if (r == vocab_.end()) entry.Throw("token '" + right + "' is not in model.vocab");
    std::string merged = left;
    std::string_view tail = right;
    if (!continuing_subword_prefix_.empty() && tail.starts_with(continuing_subword_prefix_)) {
      tail.remove_prefix(continuing_subword_prefix_.size());
    }
    merged.append(tail);
    auto m = vocab_.find(merged);
    if (m == vocab_.end()) entry.Throw("merged token '" + merged + "' is not in model.vocab");
    // HF collects the merges into a hash map, so a later duplicate of a pair replaces it.
    merges_.insert_or_assign(PairKey(l->second, r->second), Merge{static_cast<int32_t>(rank), m->second});
  }
}

std::optional<int32_t> BpeModel::TokenToId(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::IdToToken(int32_t id) const {
  if (id < 0 || id >= Size()) return nullptr;
  const std::string& token = id_to_token_[static_cast<size_t>(id)];
  if (token.empty()) return nullptr;
  return &token;
}

void BpeModel::InitialSymbols(std::string_view word, std::vector<int32_t>& ids) const {
  bool previous_unk = false;
  std::string scratch;
  size_t pos = 0;
  while (pos < word.size()) {
    size_t begin = pos;
    pos += std::min(Utf8Length(static_cast<unsigned char>(word[pos])), word.size() - pos);
    std::string_view ch = word.substr(begin, pos - begin);
    std::string_view key = ch;
    if ((!continuing_subword_prefix_.empty() && begin > 0) || (!end_of_word_suffix_.empty() && pos == word.size())) {
      scratch.clear();
      if (begin > 0) scratch += continuing_subword_prefix_;
      scratch += ch;
      if (pos == word.size()) scratch += end_of_word_suffix_;
      key = scratch;
    }
    if (auto it = vocab_.find(key); it != vocab_.end()) {
      ids.push_back(it->second);
      previous_unk = false;
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : ch) all = all && byte_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : ch) ids.push_back(byte_ids_[b]);
        previous_unk = false;
        continue;
      }
    }
    // Without an unk token HF drops the character.
    if (unk_id_) {
      if (!(fuse_unk_ && previous_unk)) ids.push_back(*unk_id_);
      previous_unk = true;
    }
  }
}

void BpeModel::MergeSymbols(std::vector<int32_t>& ids) const {
  const int n = static_cast<int>(ids.size());
  if (n < 2) return;
  std::vector<int> prev(n), next(n);
  std::vector<char> alive(n, 1);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int pos;
    int32_t new_id;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int pos) {
    int nx = next[pos];
    if (nx < 0) return;
    auto it = merges_.find(PairKey(ids[pos], ids[nx]));
    if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.new_id});
  };
  for (int i = 0; i + 1 < n; ++i) consider(i);
  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    if (!alive[top.pos] || next[top.pos] < 0) continue;
    int right = next[top.pos];
    auto it = merges_.find(PairKey(ids[top.pos], ids[right]));
    // A stale entry: one side was merged away since it was queued.
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;
    ids[top.pos] = top.new_id;
    alive[right] = 0;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0) consider(prev[top.pos]);
    consider(top.pos);
  }
  int w = 0;
  for (int i = 0; i >= 0; i = next[i]) ids[w++] = ids[i];
  ids.resize(static_cast<size_t>(w));
}

void BpeModel::Tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (auto it = vocab_.find(word); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  ids.reserve(word.size());
  InitialSymbols(word, ids);
  MergeSymbols(ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::string(word), std::move(ids));
  }
}

}  // namespace faq::tok
