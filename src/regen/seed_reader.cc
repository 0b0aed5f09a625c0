// ReadSeeds.
#include "faq/regen/seed_reader.h"

#include <unordered_map>

#include "faq/regen/jsonl_appender.h"
#include "faq/util/error.h"

namespace faq {

std::vector<Seed> ReadSeeds(const std::filesystem::path& path, const std::string& field) {
  static const std::vector<std::string> kQueryFields = {"query", "question", "problem", "prompt"};
  std::vector<Seed> seeds;
  std::unordered_map<std::string, uint64_t> first_line;
  JsonlReader reader(path);
  while (auto rec = reader.Next()) {
    std::string where = Where(path, rec->line);
    const Json& v = rec->value;
    auto id = v.find("id");
    if (id == v.end()) Fail("{}: field 'id' is missing", where);
    if (!id->is_string() && !id->is_number_integer()) {
      Fail("{}: field 'id' must be a string or an integer, got {}", where, id->type_name());
    }
    auto [it, inserted] = first_line.emplace(IdKey(*id), rec->line);
    if (!inserted) Fail("{}: duplicate id {} (first on line {})", where, id->dump(), it->second);
    const Json* query = nullptr;
    std::string name;
    for (const auto& f : field.empty() ? kQueryFields : std::vector<std::string>{field}) {
      if (v.contains(f)) {
        query = &v[f];
        name = f;
        break;
      }
    }
    if (!query) {
      if (!field.empty()) Fail("{}: field '{}' is missing", where, field);
      Fail("{}: no query field (expected one of 'query', 'question', 'problem', 'prompt', or name it with --field)",
           where);
    }
    if (!query->is_string()) Fail("{}: field '{}' must be a string, got {}", where, name, query->type_name());
    seeds.push_back({*id, query->get<std::string>()});
  }
  return seeds;
}

}  // namespace faq
