// faq's forward pass on SmolLM2-135M-Instruct (bf16 weights, tied embeddings, rope_theta in
// rope_parameters, 3 KV heads for 9 query heads) against transformers, live, on real tokens:
// a WikiText-2 passage and a conversation rendered with the model's own chat template,
// plain, left-padded and right-padded in one batch.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "faq/format/tensor_io.h"
#include "faq/model/causal_lm.h"
#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "real/real_model.h"
#include "support/test_env.h"

namespace faq {
namespace {

constexpr int64_t kLength = 48;
constexpr int32_t kPadId = 2;  // <|im_end|>, the model's pad token: never attended to

std::vector<int32_t> ChatIds(const Tokenizer& tok) {
  ChatTemplateInputs inputs;
  inputs.messages = {{{"role", "user"}, {"content", "Explain in two sentences why the sky is blue."}},
                     {{"role", "assistant"}, {"content", "Sunlight scatters off air molecules, blue light most."}},
                     {{"role", "user"}, {"content", "And why are sunsets red?"}}};
  inputs.add_generation_prompt = true;
  return tok.Encode(ChatTemplate(tok.Config().chat_template).Render(inputs));
}

// One row of kLength: `pad_left` pads, then `real` ids from `source` at `offset`, then pads up
// to the end. The caller checks that `source` holds them.
void FillRow(at::Tensor& ids, at::Tensor& mask, int64_t row, const std::vector<int32_t>& source, size_t offset,
             int64_t pad_left, int64_t real) {
  for (int64_t t = 0; t < kLength; ++t) {
    const bool is_real = t >= pad_left && t < pad_left + real;
    ids[row][t] = is_real ? source[offset + static_cast<size_t>(t - pad_left)] : kPadId;
    mask[row][t] = is_real ? 1 : 0;
  }
}

nlohmann::json RowsOf(const at::Tensor& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t b = 0; b < t.size(0); ++b) {
    rows.push_back(std::vector<int64_t>(t[b].data_ptr<int64_t>(), t[b].data_ptr<int64_t>() + t.size(1)));
  }
  return rows;
}

at::Tensor ReadLogits(const std::filesystem::path& file) {
  SafetensorsFile ref_file(file);
  const TensorEntry* entry = ref_file.header().Find("logits");
  EXPECT_NE(entry, nullptr);
  EXPECT_EQ(entry->dtype, DType::kF32);
  return at::from_blob(const_cast<uint8_t*>(ref_file.Bytes(*entry).data()), entry->shape, at::kFloat).clone();
}

TEST(RealForward, LogitsMatchTransformersWithin1e4OnWikitextAndChat) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs transformers in the venv";
  const auto dir = testing::RealModelDir();
  auto tok = Tokenizer::Load(dir);
  const std::string wiki_text = ReadFile(testing::SharedDir() / "data/wikitext2/wiki.test.raw").substr(0, 6000);
  const std::vector<int32_t> wiki = tok->Encode(wiki_text), chat = ChatIds(*tok);

  ASSERT_GE(wiki.size(), 200u + kLength);
  ASSERT_GE(chat.size(), static_cast<size_t>(kLength - 5));
  at::Tensor ids = at::zeros({3, kLength}, at::kLong), mask = at::zeros({3, kLength}, at::kLong);
  FillRow(ids, mask, 0, wiki, 0, 0, kLength);
  FillRow(ids, mask, 1, chat, 0, 5, kLength - 5);
  FillRow(ids, mask, 2, wiki, 200, 0, kLength - 4);

  testing::TempDir scratch;
  const nlohmann::json spec = nlohmann::json::array(
      {{{"dir", dir.string()}, {"ids", RowsOf(ids)}, {"mask", RowsOf(mask)},
        {"out", (scratch / "hf_logits.safetensors").string()}}});
  WriteFileAtomic(scratch / "spec.json", spec.dump());
  auto r = testing::Run({python, (testing::SourceDir() / "tests/reference/hf_forward.py").string(),
                         (scratch / "spec.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const at::Tensor ours = CausalLM(dir).Forward(ids, mask);
  const at::Tensor ref = ReadLogits(scratch / "hf_logits.safetensors");
  ASSERT_EQ(ours.sizes(), ref.sizes());
  ASSERT_EQ(ours.size(2), 49152);
  const at::Tensor real = mask.to(at::kBool).unsqueeze(-1).expand_as(ours);
  const double err = (ours - ref).abs().masked_select(real).max().item<double>();
  const double scale = ref.abs().masked_select(real).max().item<double>();
  EXPECT_LE(err, 1e-4) << "max |faq - transformers| over real tokens";
  // The same next-token choice everywhere: the logits are not merely close in a flat region.
  EXPECT_TRUE(at::equal(ours.argmax(-1).masked_select(mask.to(at::kBool)),
                        ref.argmax(-1).masked_select(mask.to(at::kBool))));
  std::printf("SmolLM2-135M-Instruct logits: max |faq - transformers| = %.3g (max |logit| %.3g)\n", err, scale);
}

}  // namespace
}  // namespace faq
