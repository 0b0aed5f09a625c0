// LoadTokenStream / LoadTokenDocuments.
#include "faq/eval/token_source.h"

#include <limits>

#include "faq/io/jsonl.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {
namespace {

bool IsJsonl(const std::filesystem::path& file) {
  auto ext = file.extension().string();
  return ext == ".jsonl" || ext == ".json" || ext == ".ndjson";
}

std::vector<int32_t> ReadIds(const Json& ids, const std::string& where) {
  if (!ids.is_array()) Fail("{}: field 'input_ids' must be a list of token ids, got {}", where, ids.type_name());
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (const auto& v : ids) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      Fail("{}: field 'input_ids' must hold non-negative integers, found {}", where, v.dump());
    }
    out.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return out;
}

std::vector<int32_t> Encode(const TextEncoder& encoder, std::string_view text, const std::string& where) {
  if (!encoder) {
    Fail("{}: records hold 'text' but no tokenizer is available to encode it (use records with 'input_ids', "
         "or a model directory with a tokenizer)", where);
  }
  return encoder(text);
}

enum class Kind { kUnknown, kIds, kText };

std::string Render(const MessagesRenderer& render, const Json& messages, const std::string& where) {
  if (!messages.is_array()) Fail("{}: field 'messages' must be a list of messages, got {}", where, messages.type_name());
  if (!render) {
    Fail("{}: records hold 'messages' but the model has no chat template to render them (tokenizer_config.json "
         "'chat_template')", where);
  }
  try {
    return render(messages.dump());
  } catch (const Error& e) {
    Fail("{}: field 'messages': {}", where, e.what());
  }
}

// Visits each record as either ids or text (conversations rendered first), enforcing
// one kind per file.
template <typename OnIds, typename OnText>
void ForEachRecord(const std::filesystem::path& file, const TextCodec& codec, OnIds on_ids, OnText on_text) {
  JsonlReader reader(file);
  Kind kind = Kind::kUnknown;
  uint64_t records = 0;
  while (auto rec = reader.Next()) {
    ++records;
    const std::string where = Where(file, rec->line);
    const bool has_messages = rec->value.contains("messages");
    Kind this_kind = rec->value.contains("input_ids")             ? Kind::kIds
                     : rec->value.contains("text") || has_messages ? Kind::kText
                                                                   : Kind::kUnknown;
    if (this_kind == Kind::kUnknown) Fail("{}: record has none of 'input_ids', 'text' or 'messages'", where);
    if (kind != Kind::kUnknown && this_kind != kind) {
      Fail("{}: record holds '{}' but earlier records hold '{}'; use one kind per file", where,
           this_kind == Kind::kIds ? "input_ids" : "text", kind == Kind::kIds ? "input_ids" : "text");
    }
    kind = this_kind;
    if (kind == Kind::kIds) {
      on_ids(ReadIds(rec->value["input_ids"], where), where);
    } else if (!rec->value.contains("text")) {
      on_text(Render(codec.render, rec->value["messages"], where), where);
    } else {
      const Json& text = rec->value["text"];
      if (!text.is_string()) Fail("{}: field 'text' must be a string, got {}", where, text.type_name());
      on_text(text.get_ref<const std::string&>(), where);
    }
  }
  if (records == 0) Fail("{}: no records", file.string());
}

}  // namespace

std::vector<int32_t> LoadTokenStream(const std::filesystem::path& file, const TextCodec& codec,
                                     std::string_view joiner) {
  if (!IsJsonl(file)) return Encode(codec.encode, ReadFile(file), file.string());
  std::vector<int32_t> ids;
  std::string joined;
  bool any_text = false;
  ForEachRecord(
      file, codec,
      [&](std::vector<int32_t> doc, const std::string&) { ids.insert(ids.end(), doc.begin(), doc.end()); },
      [&](const std::string& text, const std::string&) {
        if (any_text) joined.append(joiner);
        joined.append(text);
        any_text = true;
      });
  if (any_text) return Encode(codec.encode, joined, file.string());
  return ids;
}

std::vector<std::vector<int32_t>> LoadTokenDocuments(const std::filesystem::path& file, const TextCodec& codec) {
  if (!IsJsonl(file)) return {Encode(codec.encode, ReadFile(file), file.string())};
  std::vector<std::vector<int32_t>> docs;
  ForEachRecord(
      file, codec, [&](std::vector<int32_t> doc, const std::string&) { docs.push_back(std::move(doc)); },
      [&](const std::string& text, const std::string& where) { docs.push_back(Encode(codec.encode, text, where)); });
  return docs;
}

}  // namespace faq
