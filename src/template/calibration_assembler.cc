#include "faq/template/calibration_assembler.h"

#include <algorithm>

#include "faq/io/jsonl.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {

namespace {
std::string StringField(const nlohmann::json& v, const char* field, const std::string& where) {
  auto it = v.find(field);
  if (it == v.end()) Fail("{}: missing field '{}'", where, field);
  if (!it->is_string()) Fail("{}: field '{}' must be a string, got {}", where, field, it->type_name());
  return it->get<std::string>();
}
}  // namespace

nlohmann::ordered_json AssembleStats::ToJson() const {
  nlohmann::ordered_json j;
  j["records_in"] = records_in;
  j["records_out"] = records_out;
  j["truncated"] = truncated;
  j["dropped"] = dropped;
  j["total_tokens"] = total_tokens;
  if (records_out > 0) {
    j["tokens_min"] = min_tokens;
    j["tokens_median"] = median_tokens;
    j["tokens_max"] = max_tokens;
  } else {
    j["tokens_min"] = j["tokens_median"] = j["tokens_max"] = nullptr;
  }
  return j;
}

JudgedRecord ParseJudgedRecord(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) Fail("{}: expected a JSON object", where);
  JudgedRecord r;
  auto id = value.find("id");
  if (id == value.end()) Fail("{}: missing field 'id'", where);
  if (!id->is_string() && !id->is_number_integer()) Fail("{}: field 'id' must be a string or an integer, got {}", where, id->type_name());
  r.id = nlohmann::ordered_json::parse(id->dump());
  r.query = StringField(value, "query", where);
  r.response = StringField(value, "response", where);
  auto reasoning = value.find("reasoning");
  if (reasoning != value.end() && !reasoning->is_null()) {
    if (!reasoning->is_string()) Fail("{}: field 'reasoning' must be a string or null, got {}", where, reasoning->type_name());
    r.reasoning = reasoning->get<std::string>();
  }
  return r;
}

ChatTemplateInputs CalibrationConversation(const JudgedRecord& record, const ChatTemplateInputs& base) {
  ChatTemplateInputs inputs = base;
  nlohmann::ordered_json assistant = {{"role", "assistant"}, {"content", record.response}};
  if (record.reasoning) assistant["reasoning_content"] = *record.reasoning;
  inputs.messages = nlohmann::ordered_json::array();
  inputs.messages.push_back({{"role", "user"}, {"content", record.query}});
  inputs.messages.push_back(std::move(assistant));
  inputs.add_generation_prompt = false;
  return inputs;
}

CalibrationAssembler::CalibrationAssembler(const Tokenizer& tokenizer, const ChatTemplate* tmpl, ChatTemplateInputs base,
                                           AssembleOptions options)
    : tokenizer_(tokenizer), template_(tmpl), base_(std::move(base)), options_(options) {
  FAQ_CHECK(template_ || !options_.use_chat_template, "a chat template is required");
}

std::optional<CalibrationSample> CalibrationAssembler::Assemble(const JudgedRecord& record, AssembleStats& stats) const {
  CalibrationSample s;
  s.id = record.id;
  if (options_.use_chat_template) {
    s.text = template_->Render(CalibrationConversation(record, base_));
    // The rendered template already holds BOS and the other special tokens as text; like
    // transformers' apply_chat_template(tokenize=True) we encode without adding more.
    s.input_ids = tokenizer_.Encode(s.text, /*add_special_tokens=*/false);
  } else {
    s.text = record.query + "\n\n" + record.response;
    // Plain text is tokenized as `tokenizer(text)` would: with the post-processor's BOS/EOS.
    s.input_ids = tokenizer_.Encode(s.text, /*add_special_tokens=*/true);
  }
  if (options_.max_tokens > 0 && static_cast<int64_t>(s.input_ids.size()) > options_.max_tokens) {
    if (options_.overflow == OverflowPolicy::kDrop) {
      ++stats.dropped;
      return std::nullopt;
    }
    s.input_ids.resize(options_.max_tokens);
    // The text must describe the ids: decode the kept prefix (special tokens included).
    s.text = tokenizer_.Decode(s.input_ids, /*skip_special_tokens=*/false);
    ++stats.truncated;
  }
  return s;
}

void FinishStats(const std::vector<int64_t>& lengths, AssembleStats& stats) {
  stats.records_out = static_cast<int64_t>(lengths.size());
  if (lengths.empty()) return;
  std::vector<int64_t> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());
  stats.min_tokens = sorted.front();
  stats.max_tokens = sorted.back();
  size_t n = sorted.size();
  stats.median_tokens = n % 2 ? static_cast<double>(sorted[n / 2]) : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  stats.total_tokens = 0;
  for (int64_t l : sorted) stats.total_tokens += l;
}

AssembleStats AssembleCalibrationFile(const std::filesystem::path& tokenizer_dir, const std::filesystem::path& in,
                                      const std::filesystem::path& out, const AssembleOptions& options) {
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::Load(tokenizer_dir);
  const TokenizerConfig& config = tokenizer->Config();
  std::optional<ChatTemplate> tmpl;
  ChatTemplateInputs base;
  if (options.use_chat_template) {
    if (config.chat_template.empty()) {
      Fail("{}: the tokenizer has no chat template (use --no-chat-template for plain text)", tokenizer_dir.string());
    }
    tmpl.emplace(config.chat_template, (tokenizer_dir / "chat_template").string());
    base.bos_token = config.bos_token;
    base.eos_token = config.eos_token;
    base.pad_token = config.pad_token;
    base.unk_token = config.unk_token;
  }
  CalibrationAssembler assembler(*tokenizer, tmpl ? &*tmpl : nullptr, base, options);
  AssembleStats stats;
  std::vector<int64_t> lengths;
  JsonlReader reader(in);
  AtomicFile file(out);
  while (auto rec = reader.Next()) {
    const std::string where = Where(in, rec->line);
    ++stats.records_in;
    JudgedRecord judged = ParseJudgedRecord(rec->value, where);
    std::optional<CalibrationSample> sample;
    try {
      sample = assembler.Assemble(judged, stats);
    } catch (const Error& e) {
      Fail("{}: {}", where, e.what());
    }
    if (!sample) continue;
    nlohmann::ordered_json j;
    j["id"] = sample->id;
    j["text"] = sample->text;
    j["input_ids"] = sample->input_ids;
    j["num_tokens"] = sample->input_ids.size();
    file.Write(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    lengths.push_back(static_cast<int64_t>(sample->input_ids.size()));
  }
  file.Commit();
  FinishStats(lengths, stats);
  return stats;
}

}  // namespace faq
