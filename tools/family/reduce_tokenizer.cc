// reduce_tokenizer: a byte-level BPE tokenizer cut down to its first K merges by rank.
// A prefix of a BPE merge list is itself a valid BPE (every merge's inputs come from
// earlier merges or the 256 byte symbols), so the reduced tokenizer segments text the way
// the full one would if training had stopped early. Qwen-style vocabularies number merge i
// as 256 + i; the tool checks that and renumbers the added (special) tokens to follow the
// kept vocabulary, so ids stay contiguous. Writes tokenizer.json + tokenizer_config.json.
//   reduce_tokenizer --from ../shared/tokenizers/qwen3 --vocab-size 2048 --out models/tokenizer
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

namespace {

ordered_json ReadJsonFile(const fs::path& path) {
  return faq::ParseOrderedJson(faq::ReadFile(path), path.string());
}

std::string MergeResult(const ordered_json& merge, const fs::path& file) {
  if (merge.is_array() && merge.size() == 2) return merge[0].get<std::string>() + merge[1].get<std::string>();
  if (merge.is_string()) {
    const std::string s = merge.get<std::string>();
    const auto space = s.find(' ');
    if (space != std::string::npos) return s.substr(0, space) + s.substr(space + 1);
  }
  throw faq::Error(file.string() + ": field 'model.merges' holds an entry that is neither [a, b] nor \"a b\"");
}

void Reduce(const fs::path& from, const fs::path& out, int64_t vocab_size) {
  const fs::path tok_path = from / "tokenizer.json", cfg_path = from / "tokenizer_config.json";
  ordered_json tok = ReadJsonFile(tok_path);
  ordered_json cfg = ReadJsonFile(cfg_path);
  ordered_json& model = tok["model"];
  if (model.value("type", "") != "BPE") throw faq::Error(tok_path.string() + ": field 'model.type' must be \"BPE\"");
  const ordered_json& vocab = model.at("vocab");
  const ordered_json& merges = model.at("merges");
  const int64_t num_added = static_cast<int64_t>(tok.at("added_tokens").size());
  const int64_t keep_merges = vocab_size - 256 - num_added;
  if (keep_merges < 0 || keep_merges > static_cast<int64_t>(merges.size()))
    throw faq::Error("--vocab-size " + std::to_string(vocab_size) + " leaves " + std::to_string(keep_merges) +
                     " merges; it must lie in [" + std::to_string(256 + num_added) + ", " +
                     std::to_string(256 + num_added + merges.size()) + "]");

  // id -> token for the kept range; the layout check makes the "prefix is valid" claim hold.
  std::vector<std::string> kept(256 + keep_merges);
  for (const auto& [token, id_json] : vocab.items()) {
    const int64_t id = id_json.get<int64_t>();
    if (id < static_cast<int64_t>(kept.size())) kept[id] = token;
  }
  for (int64_t i = 0; i < keep_merges; ++i) {
    if (kept[256 + i] != MergeResult(merges[i], tok_path))
      throw faq::Error(tok_path.string() + ": merge " + std::to_string(i) + " does not produce id " +
                       std::to_string(256 + i) + "; this tool needs merge-ordered ids (Qwen/GPT-2 layout)");
  }
  ordered_json new_vocab = ordered_json::object();
  for (size_t id = 0; id < kept.size(); ++id) {
    if (kept[id].empty()) throw faq::Error(tok_path.string() + ": vocabulary has no token with id " + std::to_string(id));
    new_vocab[kept[id]] = id;
  }
  ordered_json new_merges = ordered_json::array();
  for (int64_t i = 0; i < keep_merges; ++i) new_merges.push_back(merges[i]);
  model["vocab"] = std::move(new_vocab);
  model["merges"] = std::move(new_merges);

  std::map<std::string, int64_t> renumbered;  // old id (as text) -> new id
  int64_t next = static_cast<int64_t>(kept.size());
  for (auto& added : tok["added_tokens"]) {
    renumbered[std::to_string(added.at("id").get<int64_t>())] = next;
    added["id"] = next++;
  }
  if (cfg.contains("added_tokens_decoder")) {
    ordered_json decoder = ordered_json::object();
    for (const auto& [old_id, entry] : cfg["added_tokens_decoder"].items()) {
      const auto it = renumbered.find(old_id);
      if (it == renumbered.end())
        throw faq::Error(cfg_path.string() + ": added_tokens_decoder id " + old_id + " is not in tokenizer.json");
      decoder[std::to_string(it->second)] = entry;
    }
    cfg["added_tokens_decoder"] = std::move(decoder);
  }
  cfg["model_max_length"] = 4096;
  fs::create_directories(out);
  faq::WriteFileAtomic(out / "tokenizer.json", tok.dump(2) + "\n");
  faq::WriteFileAtomic(out / "tokenizer_config.json", cfg.dump(2) + "\n");
  std::cout << nlohmann::json{{"out", out.string()}, {"vocab_size", next}, {"merges", keep_merges},
                              {"added_tokens", num_added}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cut a byte-level BPE tokenizer down to its first merges", "reduce_tokenizer"};
  std::string from, out;
  int64_t vocab_size = 2048;
  app.add_option("--from", from, "Tokenizer directory (tokenizer.json + tokenizer_config.json)")->required();
  app.add_option("--out", out, "Output directory")->required();
  app.add_option("--vocab-size", vocab_size, "Total vocabulary: 256 bytes + merges + added tokens")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    Reduce(from, out, vocab_size);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reduce_tokenizer: error: %s\n", e.what());
    return 1;
  }
}
