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

// Visits each record as either ids or text, enforcing one kind per file.
template <typename OnIds, typename OnText>
void ForEachRecord(const std::filesystem::path& file, OnIds on_ids, OnText on_text) {
  JsonlReader reader(file);
  Kind kind = Kind::kUnknown;
  uint64_t records = 0;
  while (auto rec = reader.Next()) {
    ++records;
    const std::string where = Where(file, rec->line);
    Kind this_kind = rec->value.contains("input_ids") ? Kind::kIds
                     : rec->value.contains("text")    ? Kind::kText
                                                      : Kind::kUnknown;
    if (this_kind == Kind::kUnknown) Fail("{}: record has neither 'input_ids' nor 'text'", where);
    if (kind != Kind::kUnknown && this_kind != kind) {
      Fail("{}: record holds '{}' but earlier records hold '{}'; use one kind per file", where,
           this_kind == Kind::kIds ? "input_ids" : "text", kind == Kind::kIds ? "input_ids" : "text");
    }
    kind = this_kind;
    if (kind == Kind::kIds) {
      on_ids(ReadIds(rec->value["input_ids"], where), where);
    } else {
      const Json& text = rec->value["text"];
      if (!text.is_string()) Fail("{}: field 'text' must be a string, got {}", where, text.type_name());
      on_text(text.get_ref<const std::string&>(), where);
    }
  }
  if (records == 0) Fail("{}: no records", file.string());
}

}  // namespace

std::vector<int32_t> LoadTokenStream(const std::filesystem::path& file, const TextEncoder& encoder,
                                     std::string_view joiner) {
  if (!IsJsonl(file)) return Encode(encoder, ReadFile(file), file.string());
  std::vector<int32_t> ids;
  std::string joined;
  bool any_text = false;
  ForEachRecord(
      file, [&](std::vector<int32_t> doc, const std::string&) { ids.insert(ids.end(), doc.begin(), doc.end()); },
      [&](const std::string& text, const std::string&) {
        if (any_text) joined.append(joiner);
        joined.append(text);
        any_text = true;
      });
  if (any_text) return Encode(encoder, joined, file.string());
  return ids;
}

std::vector<std::vector<int32_t>> LoadTokenDocuments(const std::filesystem::path& file, const TextEncoder& encoder) {
  std::vector<std::vector<int32_t>> docs;
  ForEachRecord(
      file, [&](std::vector<int32_t> doc, const std::string&) { docs.push_back(std::move(doc)); },
      [&](const std::string& text, const std::string& where) { docs.push_back(Encode(encoder, text, where)); });
  return docs;
}

}  // namespace faq
