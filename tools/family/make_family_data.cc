// make_family_data: the data of the bundled tiny model family and of the demo.
//   make_family_data train   --tokenizer DIR --prompts configs/prompts --shared ../shared --style family
//                            --seed 1 --chat-tokens 1500000 --out DIR      (train.bin, valid.bin, data.json)
//   make_family_data seeds   --count 64 --seed 7 --out seeds.jsonl         (the demo's seed prompts)
//   make_family_data heldout --tokenizer DIR --count 200 --seed 9 --out heldout.jsonl
// Training data mixes natural text from ../shared/data (C4 and LAMBADA; WikiText-2 stays
// held out) with chat conversations rendered by the tokenizer's own chat template:
// arithmetic word problems answered with reasoning in <think> (under faq's CoT prompt and
// bare), answered directly (under the no-CoT prompt), graded under faq's judge prompt, and
// GSM8K's solutions as reasoning. Token streams are int32 little-endian, documents
// separated by <|endoftext|>. Seeds, held-out and training problems come from disjoint
// random streams (different seeds).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>

#include "faq/eval/token_source.h"
#include "faq/io/jsonl.h"
#include "faq/regen/prompt_template.h"
#include "faq/template/calibration_assembler.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "word_problems.h"

namespace fs = std::filesystem;
using faq::family::Style;
using faq::family::WordProblem;

namespace {

// faq's default prompts, filled exactly as faq regenerate and faq judge fill them, so the
// family learns the requests the pipeline will send.
struct Prompts {
  faq::PromptTemplate cot, no_cot, judge;
  explicit Prompts(const fs::path& dir)
      : cot(faq::PromptTemplate::Load(dir / "cot.txt", {"query"}, {"query"})),
        no_cot(faq::PromptTemplate::Load(dir / "no_cot.txt", {"query"}, {"query"})),
        judge(faq::PromptTemplate::Load(dir / "judge_score.txt", {"query", "response"}, {"query", "response"})) {}
};

// Renders conversations exactly as `faq assemble` does and tokenizes them.
class ChatRenderer {
 public:
  explicit ChatRenderer(const faq::Tokenizer& tokenizer)
      : tokenizer_(tokenizer), template_(tokenizer.Config().chat_template, "chat_template") {
    const auto& config = tokenizer.Config();
    base_.bos_token = config.bos_token;
    base_.eos_token = config.eos_token;
    base_.pad_token = config.pad_token;
    base_.unk_token = config.unk_token;
  }
  std::string Render(const std::string& user, const std::string& answer, const std::optional<std::string>& reasoning) const {
    faq::JudgedRecord record{0, user, answer, reasoning};
    return template_.Render(faq::CalibrationConversation(record, base_));
  }

 private:
  const faq::Tokenizer& tokenizer_;
  faq::ChatTemplate template_;
  faq::ChatTemplateInputs base_;
};

struct Mix {
  std::map<std::string, int64_t> docs, tokens;
  std::vector<std::vector<int32_t>> documents;
  void Add(const std::string& kind, std::vector<int32_t> ids) {
    docs[kind] += 1;
    tokens[kind] += static_cast<int64_t>(ids.size());
    documents.push_back(std::move(ids));
  }
};

std::string GsmReasoning(const std::string& answer, std::string* final_value) {
  static const std::regex kCalc("<<[^>]*>>");
  const size_t hashes = answer.rfind("####");
  std::string steps = std::regex_replace(answer.substr(0, hashes), kCalc, "");
  while (!steps.empty() && (steps.back() == '\n' || steps.back() == ' ')) steps.pop_back();
  *final_value = hashes == std::string::npos ? "" : answer.substr(hashes + 4);
  while (!final_value->empty() && final_value->front() == ' ') final_value->erase(0, 1);
  return steps;
}

void AddChatProblems(Mix& mix, const faq::Tokenizer& tok, const ChatRenderer& chat, const Prompts& prompts, Style style,
                     std::mt19937_64& rng, int64_t token_budget) {
  int64_t used = 0;
  std::uniform_real_distribution<double> u(0, 1);
  while (used < token_budget) {
    const WordProblem p = faq::family::MakeWordProblem(rng, style);
    const double r = u(rng);
    std::string kind, text;
    if (r < 0.45) {
      kind = "cot";
      text = chat.Render(prompts.cot.Render({{"query", p.query}}), p.answer, p.Reasoning());
    } else if (r < 0.60) {
      kind = "bare_cot";
      text = chat.Render(p.query, p.answer, p.Reasoning());
    } else if (r < 0.75) {
      kind = "no_cot";
      text = chat.Render(prompts.no_cot.Render({{"query", p.query}}), p.answer, std::nullopt);
    } else {
      kind = "judge";
      const bool correct = u(rng) < 0.5;
      int64_t wrong = p.value + std::uniform_int_distribution<int64_t>(1, 9)(rng) * (u(rng) < 0.5 ? -1 : 1);
      if (wrong < 0) wrong = p.value + 3;
      const std::string response = correct ? p.answer : faq::family::WrongAnswer(p, wrong);
      const int64_t score = correct ? std::uniform_int_distribution<int64_t>(8, 10)(rng)
                                    : std::uniform_int_distribution<int64_t>(1, 3)(rng);
      text = chat.Render(prompts.judge.Render({{"query", p.query}, {"response", response}}),
                         "Score: " + std::to_string(score), std::nullopt);
    }
    auto ids = tok.Encode(text);
    used += static_cast<int64_t>(ids.size());
    mix.Add(kind, std::move(ids));
  }
}

void AddNaturalText(Mix& mix, const faq::Tokenizer& tok, const fs::path& file, const std::string& kind, int64_t max_docs) {
  faq::JsonlReader reader(file);
  int64_t n = 0;
  while (auto rec = reader.Next()) {
    if (max_docs >= 0 && n++ >= max_docs) break;
    mix.Add(kind, tok.Encode(rec->value.at("text").get<std::string>()));
  }
}

void AddGsm8k(Mix& mix, const faq::Tokenizer& tok, const ChatRenderer& chat, const Prompts& prompts, const fs::path& file) {
  faq::JsonlReader reader(file);
  while (auto rec = reader.Next()) {
    std::string value;
    const std::string reasoning = GsmReasoning(rec->value.at("answer").get<std::string>(), &value);
    const std::string query = rec->value.at("question").get<std::string>();
    mix.Add("gsm8k_cot", tok.Encode(chat.Render(prompts.cot.Render({{"query", query}}),
                                                "The answer is " + value + ".", reasoning)));
  }
}

void WriteTokens(const fs::path& path, const std::vector<std::vector<int32_t>>& docs, int32_t separator) {
  std::string bytes;
  for (const auto& doc : docs) {
    bytes.append(reinterpret_cast<const char*>(doc.data()), doc.size() * sizeof(int32_t));
    bytes.append(reinterpret_cast<const char*>(&separator), sizeof(int32_t));
  }
  faq::WriteFileAtomic(path, bytes);
}

int Train(const fs::path& tokenizer_dir, const fs::path& prompts_dir, const fs::path& shared, const std::string& style_name,
          uint64_t seed, int64_t chat_tokens, double valid_fraction, const fs::path& out) {
  const Style style = style_name == "outsider" ? Style::kOutsider : Style::kFamily;
  auto tok = faq::Tokenizer::Load(tokenizer_dir);
  const ChatRenderer chat(*tok);
  const Prompts prompts(prompts_dir);
  std::mt19937_64 rng(seed);
  Mix mix;
  AddChatProblems(mix, *tok, chat, prompts, style, rng, chat_tokens);
  // The outsider reads more of the web and no GSM8K: another data mix, not only another seed.
  AddNaturalText(mix, *tok, shared / "data/c4/c4_validation_samples.jsonl", "c4", -1);
  AddNaturalText(mix, *tok, shared / "data/lambada/lambada_test.jsonl", "lambada", style == Style::kFamily ? 2500 : -1);
  if (style == Style::kFamily) AddGsm8k(mix, *tok, chat, prompts, shared / "data/gsm8k/test.jsonl");

  std::shuffle(mix.documents.begin(), mix.documents.end(), rng);
  const size_t n_valid = static_cast<size_t>(static_cast<double>(mix.documents.size()) * valid_fraction);
  const std::vector<std::vector<int32_t>> valid(mix.documents.begin(), mix.documents.begin() + n_valid);
  const std::vector<std::vector<int32_t>> train(mix.documents.begin() + n_valid, mix.documents.end());
  const auto eot = tok->TokenToId("<|endoftext|>");
  if (!eot) throw faq::Error(tokenizer_dir.string() + ": the tokenizer has no <|endoftext|> token");
  fs::create_directories(out);
  WriteTokens(out / "train.bin", train, *eot);
  WriteTokens(out / "valid.bin", valid, *eot);
  nlohmann::ordered_json card{{"style", style_name}, {"seed", seed}, {"documents", mix.docs}, {"tokens", mix.tokens},
                              {"train_documents", train.size()}, {"valid_documents", valid.size()}};
  int64_t total = 0;
  for (const auto& [kind, n] : mix.tokens) total += n;
  card["total_tokens"] = total;
  faq::WriteFileAtomic(out / "data.json", card.dump(2) + "\n");
  std::cout << card.dump() << std::endl;
  return 0;
}

int Seeds(int64_t count, uint64_t seed, const fs::path& out) {
  std::mt19937_64 rng(seed);
  std::string lines;
  for (int64_t i = 0; i < count; ++i) {
    const WordProblem p = faq::family::MakeWordProblem(rng, Style::kFamily);
    char id[32];
    std::snprintf(id, sizeof id, "seed-%04lld", static_cast<long long>(i));
    lines += nlohmann::ordered_json{{"id", id}, {"query", p.query}, {"answer", p.answer}}.dump() + "\n";
  }
  faq::WriteFileAtomic(out, lines);
  return 0;
}

// Held-out conversations (JSONL `text`, for `faq eval ppl`): CoT answers in the family's
// chat format, from a random stream no training or seed set uses.
int Heldout(const fs::path& tokenizer_dir, const fs::path& prompts_dir, int64_t count, uint64_t seed, const fs::path& out) {
  auto tok = faq::Tokenizer::Load(tokenizer_dir);
  const ChatRenderer chat(*tok);
  const Prompts prompts(prompts_dir);
  std::mt19937_64 rng(seed);
  std::string lines;
  for (int64_t i = 0; i < count; ++i) {
    const WordProblem p = faq::family::MakeWordProblem(rng, Style::kFamily);
    lines += nlohmann::ordered_json{{"text", chat.Render(prompts.cot.Render({{"query", p.query}}), p.answer, p.Reasoning())}}
                 .dump() +
             "\n";
  }
  faq::WriteFileAtomic(out, lines);
  return 0;
}

// Perplexity of a unigram model fit on train.bin (add-one smoothing) on `data` encoded
// with the tokenizer (as faq eval ppl reads it): the baseline the trained family must beat.
int Unigram(const fs::path& tokenizer_dir, const fs::path& train_bin, const fs::path& data) {
  auto tok = faq::Tokenizer::Load(tokenizer_dir);
  const std::string bytes = faq::ReadFile(train_bin);
  std::vector<double> counts(static_cast<size_t>(tok->VocabSize()), 1.0);
  for (size_t i = 0; i + sizeof(int32_t) <= bytes.size(); i += sizeof(int32_t)) {
    int32_t id;
    std::memcpy(&id, bytes.data() + i, sizeof id);
    counts.at(static_cast<size_t>(id)) += 1;
  }
  double total = 0;
  for (double c : counts) total += c;
  const std::vector<int32_t> ids = faq::LoadTokenStream(data, {[&](std::string_view t) { return tok->Encode(t); }, {}});
  double nll = 0;
  for (int32_t id : ids) nll -= std::log(counts.at(static_cast<size_t>(id)) / total);
  std::cout << nlohmann::json{{"unigram_ppl", std::exp(nll / static_cast<double>(ids.size()))}, {"tokens", ids.size()}}.dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Data of the bundled tiny model family and the demo", "make_family_data"};
  app.require_subcommand(1);
  std::string tokenizer, prompts = "configs/prompts", shared = "../shared", style = "family", out;
  uint64_t seed = 1;
  int64_t chat_tokens = 1500000, count = 64;
  double valid_fraction = 0.02;
  auto* train = app.add_subcommand("train", "Token streams for the trainer");
  train->add_option("--tokenizer", tokenizer)->required();
  train->add_option("--prompts", prompts)->capture_default_str();
  train->add_option("--shared", shared)->capture_default_str();
  train->add_option("--style", style, "family | outsider")->check(CLI::IsMember({"family", "outsider"}))->capture_default_str();
  train->add_option("--seed", seed)->capture_default_str();
  train->add_option("--chat-tokens", chat_tokens, "Tokens of generated conversations")->capture_default_str();
  train->add_option("--valid-fraction", valid_fraction)->capture_default_str();
  train->add_option("--out", out)->required();
  auto* seeds = app.add_subcommand("seeds", "The demo's seed prompts (id, query, answer)");
  seeds->add_option("--count", count)->capture_default_str();
  seeds->add_option("--seed", seed)->capture_default_str();
  seeds->add_option("--out", out)->required();
  auto* heldout = app.add_subcommand("heldout", "Held-out chat-format text for evaluation");
  heldout->add_option("--tokenizer", tokenizer)->required();
  heldout->add_option("--prompts", prompts)->capture_default_str();
  heldout->add_option("--count", count)->capture_default_str();
  heldout->add_option("--seed", seed)->capture_default_str();
  heldout->add_option("--out", out)->required();
  std::string train_bin, data;
  auto* unigram = app.add_subcommand("unigram", "Perplexity of a unigram model of train.bin on a data file");
  unigram->add_option("--tokenizer", tokenizer)->required();
  unigram->add_option("--train", train_bin, "train.bin of make_family_data train")->required();
  unigram->add_option("--data", data, "Text or JSONL (text records), as faq eval ppl reads it")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (unigram->parsed()) return Unigram(tokenizer, train_bin, data);
    if (train->parsed()) return Train(tokenizer, prompts, shared, style, seed, chat_tokens, valid_fraction, out);
    if (seeds->parsed()) return Seeds(count, seed, out);
    return Heldout(tokenizer, prompts, count, seed, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_family_data: error: %s\n", e.what());
    return 1;
  }
}
