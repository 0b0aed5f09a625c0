// The bundled tiny Qwen3 family (models/): each member loads in transformers and computes
// the logits faq computes; the trained models are far better than chance and than the
// uniform baseline; the elder beats the target on held-out text.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace faq
