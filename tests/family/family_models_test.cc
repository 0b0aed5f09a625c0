// The bundled tiny Qwen3 family (models/): each member loads in transformers and computes
// the logits faq computes; the trained models are far better than chance and than the
// uniform baseline; the elder beats the target on held-out text.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <regex>

#include "faq/io/json.h"
#include "faq/model/causal_lm.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
const char* const kMembers[] = {"tiny-qwen3-target", "tiny-qwen3-elder", "tiny-qwen3-outsider"};

fs::path Models() { return testing::SourceDir() / "models"; }

double Perplexity(const fs::path& model, const fs::path& data, int windows) {
  const auto r = testing::Run({testing::FaqBinary(), "--threads", "1", "eval", "ppl", "--model", model.string(), "--data",
                               data.string(), "--seqlen", "256", "--max-windows", std::to_string(windows), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ParseJson(testing::LastLine(r.out), "faq eval ppl --json").at("ppl").get<double>();
}

TEST(FamilyModels, LogitsMatchTransformers) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs transformers in the venv";
  testing::TempDir root;
  auto tokenizer = Tokenizer::Load(Models() / "tokenizer");
  const std::vector<int32_t> ids32 = tokenizer->Encode(
      "<|im_start|>user\nEach box holds 6 pencils. How many pencils are there in 4 boxs?<|im_end|>\n<|im_start|>assistant\n");
  const std::vector<int64_t> ids(ids32.begin(), ids32.end());
  nlohmann::json spec = nlohmann::json::array();
  for (const char* member : kMembers) {
    // hf_forward.py writes its logits beside the model: work on a copy.
    fs::copy(Models() / member, root / member, fs::copy_options::recursive);
    spec.push_back({{"dir", (root / member).string()}, {"ids", {ids}}, {"mask", nullptr}});
  }
  WriteFileAtomic(root / "spec.json", spec.dump());
  const auto r = testing::Run({python, (testing::SourceDir() / "tests/reference/hf_forward.py").string(),
                               (root / "spec.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const at::Tensor input = at::tensor(ids, at::kLong).unsqueeze(0);
  for (const char* member : kMembers) {
    SCOPED_TRACE(member);
    const at::Tensor ours = CausalLM(Models() / member).Forward(input);
    SafetensorsFile ref_file(root / member / "hf_logits.safetensors");
    const TensorEntry* entry = ref_file.header().Find("logits");
    ASSERT_NE(entry, nullptr);
    const at::Tensor ref =
        at::from_blob(const_cast<uint8_t*>(ref_file.Bytes(*entry).data()), entry->shape, at::kFloat).clone();
    ASSERT_EQ(ours.sizes(), ref.sizes());
    EXPECT_LE((ours - ref).abs().max().item<double>(), 1e-4);
  }
}

TEST(FamilyModels, HeldOutPerplexityOrdersTheFamily) {
  testing::TempDir tmp;
  const fs::path tool = fs::path(testing::FaqBinary()).parent_path() / "tools" / "make_family_data";
  const auto made = testing::Run({tool.string(), "heldout", "--tokenizer", (Models() / "tokenizer").string(), "--prompts",
                                  (testing::SourceDir() / "configs/prompts").string(), "--count", "120", "--seed", "9",
                                  "--out", (tmp / "heldout.jsonl").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const fs::path wiki = testing::SharedDir() / "data/wikitext2/wiki.test.raw";
  const double target_chat = Perplexity(Models() / "tiny-qwen3-target", tmp / "heldout.jsonl", 60);
  const double elder_chat = Perplexity(Models() / "tiny-qwen3-elder", tmp / "heldout.jsonl", 60);
  const double target_wiki = Perplexity(Models() / "tiny-qwen3-target", wiki, 60);
  const double elder_wiki = Perplexity(Models() / "tiny-qwen3-elder", wiki, 60);
  // A uniform guess over the 2048 tokens has perplexity 2048; these are trained models.
  EXPECT_LT(target_chat, 4.0);
  EXPECT_LT(target_wiki, 600.0);
  EXPECT_LT(elder_chat, target_chat);
  EXPECT_LT(elder_wiki, target_wiki);
  std::cout << "[family] held-out chat ppl target " << target_chat << ", elder " << elder_chat
            << "; WikiText-2 (60 windows) target " << target_wiki << ", elder " << elder_wiki << std::endl;
}

// What a model card (models/<member>/README.md, written by tools/family/model_cards.sh)
// states about WikiText-2.
struct CardWikiText2 {
  double all_windows_ppl = 0;
  int all_windows = 0;
  double first_ppl = 0;
  int first_windows = 0;
};

std::optional<CardWikiText2> ReadCardWikiText2(const fs::path& card) {
  const std::string text = ReadFile(card);
  static const std::regex kLine(R"(WikiText-2 test: ([0-9.]+) over all ([0-9]+) windows; ([0-9.]+) over the first ([0-9]+) windows)");
  std::smatch m;
  if (!std::regex_search(text, m, kLine)) {
    ADD_FAILURE() << card << " has no line 'WikiText-2 test: <ppl> over all <n> windows; <ppl> over the first <n> windows'";
    return std::nullopt;
  }
  return CardWikiText2{std::stod(m[1]), std::stoi(m[2]), std::stod(m[3]), std::stoi(m[4])};
}

// Each card's 100-window WikiText-2 figure is measured again, as the card says it was
// measured (one thread, windows of 256), and must agree to the card's two decimals.
TEST(FamilyModels, CardsStateWhatTheModelsMeasure) {
  const fs::path wiki = testing::SharedDir() / "data/wikitext2/wiki.test.raw";
  for (const char* member : kMembers) {
    SCOPED_TRACE(member);
    const std::optional<CardWikiText2> card = ReadCardWikiText2(Models() / member / "README.md");
    if (!card) continue;
    EXPECT_EQ(card->first_windows, 100);
    EXPECT_GT(card->all_windows, card->first_windows);
    const double measured = Perplexity(Models() / member, wiki, card->first_windows);
    EXPECT_NEAR(measured, card->first_ppl, 0.005 + 1e-9) << "measured " << measured;
  }
}

}  // namespace
}  // namespace faq
