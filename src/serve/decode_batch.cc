// DecodeBatch: continuous batching on one KV cache. Rows are left-padded so that every
// row's newest token sits in the last column; a joining group is prefilled on its own cache
// and both caches are left-padded to the same length before they are concatenated.
#include "decode_batch.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "faq/tokenizer/tokenizer.h"
#include "faq/util/error.h"
#include "token_sampler.h"

namespace faq::serve {
namespace {

// Prompt positions scored per head call: bounds the [chunk, vocab] logits in memory.
constexpr int64_t kPromptLogprobChunk = 128;

void PadLeft(KvCache& cache, int64_t length) {
  const int64_t pad = length - cache.Length();
  if (pad <= 0) return;
  for (auto& layer : cache.layers) {
    for (at::Tensor* t : {&layer.k, &layer.v}) {
      auto sizes = t->sizes().vec();
      sizes[2] = pad;
      *t = at::cat({at::zeros(sizes, t->options()), *t}, 2);
    }
  }
  cache.key_valid = at::cat({at::zeros({cache.key_valid.size(0), pad}, cache.key_valid.options()), cache.key_valid}, 1);
}

KvCache Concatenate(KvCache a, KvCache b) {
  const int64_t length = std::max(a.Length(), b.Length());
  PadLeft(a, length);
  PadLeft(b, length);
  KvCache out;
  out.layers.resize(a.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    out.layers[i].k = at::cat({a.layers[i].k, b.layers[i].k}, 0);
    out.layers[i].v = at::cat({a.layers[i].v, b.layers[i].v}, 0);
  }
  out.key_valid = at::cat({a.key_valid, b.key_valid}, 0);
  out.next_position = at::cat({a.next_position, b.next_position}, 0);
  return out;
}

// Log-probabilities of prompt tokens 1..L-1 of one row whose prompt starts at column `start`.
std::vector<TokenLogprob> PromptLogprobs(const CausalLM& model, const at::Tensor& hidden_row,
                                         const at::Tensor& ids_row, int64_t start, int k) {
  std::vector<TokenLogprob> out;
  const int64_t last = hidden_row.size(0) - 1;  // the last position predicts a generated token
  for (int64_t pos = start; pos < last; pos += kPromptLogprobChunk) {
    const int64_t count = std::min(kPromptLogprobChunk, last - pos);
    // Scored on the host: a few rows of logits, read element by element below.
    at::Tensor log_probs = at::log_softmax(model.Head(hidden_row.narrow(0, pos, count)).to(at::kCPU), -1);
    at::Tensor targets = ids_row.narrow(0, pos + 1, count).unsqueeze(1).to(at::kCPU);
    at::Tensor chosen = log_probs.gather(1, targets).squeeze(1).contiguous();
    at::Tensor top_values, top_ids;
    if (k > 0) {
      std::tie(top_values, top_ids) = log_probs.topk(std::min<int64_t>(k, log_probs.size(1)), 1);
      top_values = top_values.contiguous();
      top_ids = top_ids.contiguous();
    }
    for (int64_t j = 0; j < count; ++j) {
      TokenLogprob lp;
      lp.logprob = chosen.data_ptr<float>()[j];
      for (int64_t r = 0; r < (k > 0 ? top_ids.size(1) : 0); ++r) {
        lp.top.emplace_back(static_cast<int32_t>(top_ids.data_ptr<int64_t>()[j * top_ids.size(1) + r]),
                            top_values.data_ptr<float>()[j * top_ids.size(1) + r]);
      }
      out.push_back(std::move(lp));
    }
  }
  return out;
}

}  // namespace

DecodeBatch::DecodeBatch(const CausalLM& model, const Tokenizer& tokenizer) : model_(model), tokenizer_(tokenizer) {}

void DecodeBatch::Admit(std::vector<std::unique_ptr<LiveSequence>>& joining) {
  if (joining.empty()) return;
  const auto n = static_cast<int64_t>(joining.size());
  int64_t width = 0;
  for (const auto& s : joining) width = std::max<int64_t>(width, static_cast<int64_t>(s->request.prompt.size()));
  // Host staging buffers filled element by element; the model moves them to its device.
  const auto host_long = at::TensorOptions().dtype(at::kLong).device(at::kCPU);
  at::Tensor ids = at::zeros({n, width}, host_long);
  at::Tensor mask = at::zeros({n, width}, host_long);
  for (int64_t i = 0; i < n; ++i) {
    const auto& prompt = joining[static_cast<size_t>(i)]->request.prompt;
    const auto len = static_cast<int64_t>(prompt.size());
    FAQ_CHECK(len > 0, "empty prompt reached the engine");
    at::Tensor row = at::tensor(std::vector<int64_t>(prompt.begin(), prompt.end()), at::kLong);
    ids[i].narrow(0, width - len, len).copy_(row);
    mask[i].narrow(0, width - len, len).fill_(1);
  }
  // Everything that can fail runs before the batch or any sequence changes.
  KvCache fresh;
  at::Tensor hidden = model_.ForwardHidden(ids, mask, &fresh);
  at::Tensor logits = model_.Head(hidden.select(1, width - 1)).to(at::kCPU);  // sampling runs on the host
  std::vector<std::vector<TokenLogprob>> prompt_logprobs(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const auto& seq = *joining[static_cast<size_t>(i)];
    if (seq.request.prompt_logprobs < 0) continue;
    const auto len = static_cast<int64_t>(seq.request.prompt.size());
    prompt_logprobs[static_cast<size_t>(i)] =
        PromptLogprobs(model_, hidden[i], ids[i], width - len, seq.request.prompt_logprobs);
  }
  cache_ = rows_.empty() ? std::move(fresh) : Concatenate(std::move(cache_), std::move(fresh));
  for (int64_t i = 0; i < n; ++i) {
    auto& seq = joining[static_cast<size_t>(i)];
    seq->result.prompt_logprobs = std::move(prompt_logprobs[static_cast<size_t>(i)]);
    if (seq->request.max_new_tokens == 0) {
      seq->finished = true;
      seq->result.finish_reason = "length";
    } else {
      AcceptOrFail(*seq, logits[i]);
    }
    rows_.push_back(std::move(seq));
  }
  joining.clear();
}

void DecodeBatch::Step() {
  if (rows_.empty()) return;
  const auto b = static_cast<int64_t>(rows_.size());
  at::Tensor ids = at::empty({b, 1}, at::TensorOptions().dtype(at::kLong).device(at::kCPU));  // host staging
  for (int64_t i = 0; i < b; ++i) ids[i][0] = rows_[static_cast<size_t>(i)]->result.tokens.back();
  at::Tensor hidden = model_.ForwardHidden(ids, {}, &cache_);
  at::Tensor logits = model_.Head(hidden.select(1, 0)).to(at::kCPU);
  for (int64_t i = 0; i < b; ++i) AcceptOrFail(*rows_[static_cast<size_t>(i)], logits[i]);
}

void DecodeBatch::AcceptOrFail(LiveSequence& seq, const at::Tensor& logits) {
  try {
    Accept(seq, logits);
  } catch (...) {
    seq.error = std::current_exception();
    seq.finished = true;
  }
}

std::string DecodeBatch::Text(std::span<const int32_t> ids) const {
  const int32_t vocab = tokenizer_.VocabSize();
  std::vector<int32_t> known;
  known.reserve(ids.size());
  for (int32_t id : ids) {
    if (id >= 0 && id < vocab) known.push_back(id);
  }
  return tokenizer_.Decode(known, /*skip_special_tokens=*/true);
}

void DecodeBatch::Accept(LiveSequence& seq, const at::Tensor& logits) {
  const SequenceRequest& req = seq.request;
  const int32_t token = SampleToken(logits, req.sampling, seq.rng);
  if (req.logprobs >= 0) seq.result.logprobs.push_back(TokenLogprobOf(at::log_softmax(logits, -1), token, req.logprobs));
  auto& tokens = seq.result.tokens;
  tokens.push_back(token);
  const bool eos = std::find(req.stop_token_ids.begin(), req.stop_token_ids.end(), token) != req.stop_token_ids.end();
  if (eos) {
    seq.finished = true;
    seq.result.finish_reason = "stop";
  } else if (!req.stop.empty()) {
    CheckStopStrings(seq);
  }
  const auto total = static_cast<int64_t>(req.prompt.size() + tokens.size());
  if (!seq.finished && (static_cast<int64_t>(tokens.size()) >= req.max_new_tokens ||
                        total >= model_.config().max_position_embeddings)) {
    seq.finished = true;
    seq.result.finish_reason = "length";
  }
  if (!seq.finished && req.cancelled && req.cancelled->load()) {
    seq.finished = true;
    seq.result.finish_reason = "abort";
  }
  if (!seq.finished && req.on_progress) req.on_progress(seq.result, false);
  if (seq.finished && seq.result.text.empty()) {
    // The EOS token ends the text; it is not part of it.
    std::span<const int32_t> ids(tokens);
    if (eos) ids = ids.first(ids.size() - 1);
    seq.result.text = Text(ids);
  }
}

void DecodeBatch::CheckStopStrings(LiveSequence& seq) {
  const auto& tokens = seq.result.tokens;
  size_t longest = 0;
  for (const auto& s : seq.request.stop) longest = std::max(longest, s.size());
  // Every token decodes to at least one byte, so a window of `longest` tokens (plus slack for
  // pieces that only complete a character) holds any match that ends in the newest token.
  const size_t window = longest + 4;
  const size_t from = tokens.size() > window ? tokens.size() - window : 0;
  std::string tail = Text(std::span<const int32_t>(tokens).subspan(from));
  bool hit = false;
  for (const auto& s : seq.request.stop) hit = hit || (!s.empty() && tail.find(s) != std::string::npos);
  if (!hit) return;
  // No earlier step matched, so the first match in the full text is the one to cut at.
  std::string text = Text(tokens);
  size_t cut = std::string::npos;
  for (const auto& s : seq.request.stop) {
    if (!s.empty()) cut = std::min(cut, text.find(s));
  }
  if (cut == std::string::npos) return;  // the window split a character differently; keep going
  text.resize(cut);
  seq.result.text = std::move(text);
  seq.finished = true;
  seq.result.finish_reason = "stop";
}

std::vector<std::unique_ptr<LiveSequence>> DecodeBatch::TakeFinished() {
  std::vector<std::unique_ptr<LiveSequence>> done;
  std::vector<int64_t> keep;
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i]->finished) {
      done.push_back(std::move(rows_[i]));
    } else {
      keep.push_back(static_cast<int64_t>(i));
    }
  }
  if (!done.empty()) Keep(keep);
  return done;
}

std::vector<std::unique_ptr<LiveSequence>> DecodeBatch::TakeAll() {
  auto all = std::move(rows_);
  rows_.clear();
  cache_ = KvCache{};
  return all;
}

void DecodeBatch::Keep(const std::vector<int64_t>& rows) {
  std::vector<std::unique_ptr<LiveSequence>> kept;
  for (int64_t r : rows) {
    if (rows_[static_cast<size_t>(r)]) kept.push_back(std::move(rows_[static_cast<size_t>(r)]));
  }
  rows_ = std::move(kept);
  if (rows_.empty()) {
    cache_ = KvCache{};
    return;
  }
  at::Tensor index = at::tensor(rows, at::kLong).to(cache_.key_valid.device());
  for (auto& layer : cache_.layers) {
    layer.k = layer.k.index_select(0, index);
    layer.v = layer.v.index_select(0, index);
  }
  cache_.key_valid = cache_.key_valid.index_select(0, index);
  cache_.next_position = cache_.next_position.index_select(0, index);
  // Columns that are padding in every remaining row cost attention time for nothing.
  at::Tensor used = cache_.key_valid.any(0);
  const int64_t first = used.any().item<bool>() ? used.to(at::kLong).argmax().item<int64_t>() : 0;
  if (first > 0) {
    const int64_t length = cache_.Length() - first;
    for (auto& layer : cache_.layers) {
      layer.k = layer.k.narrow(2, first, length);
      layer.v = layer.v.narrow(2, first, length);
    }
    cache_.key_valid = cache_.key_valid.narrow(1, first, length);
  }
}

}  // namespace faq::serve
