// What the HTTP handlers share: the model, its tokenizer and chat template, the EOS ids
// that end a turn, and the generation engine that batches their sequences.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "faq/model/causal_lm.h"
#include "faq/serve/generation_engine.h"
#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer.h"

namespace faq::serve {

struct ServedModel {
  // `device` and `dtype` as --device and --dtype take them (UsageError when unusable).
  ServedModel(const std::filesystem::path& dir, std::string served_name, int max_batch, const std::string& device,
              const std::string& dtype);

  // Submits every sequence and waits for all of them; rethrows the first failure.
  std::vector<SequenceResult> Run(std::vector<SequenceRequest> sequences);
  int64_t Context() const { return model->config().max_position_embeddings; }
  // A token's own text (special tokens kept); empty for ids the tokenizer does not know.
  std::string TokenText(int32_t id) const;

  std::filesystem::path dir;
  std::string name;
  std::unique_ptr<CausalLM> model;
  std::unique_ptr<Tokenizer> tokenizer;
  TokenizerConfig tokenizer_config;
  std::unique_ptr<ChatTemplate> chat_template;  // null when the tokenizer has none
  std::vector<int64_t> eos_ids;                 // config.json, generation_config.json, tokenizer eos_token
  std::unique_ptr<GenerationEngine> engine;     // last: stopped before the model goes
};

// The EOS ids of a model directory: config.json's and generation_config.json's
// eos_token_id (an id or a list) and the tokenizer's eos_token, without duplicates.
std::vector<int64_t> CollectEosIds(const std::filesystem::path& dir, const ModelConfig& config,
                                   const Tokenizer& tokenizer);

}  // namespace faq::serve
