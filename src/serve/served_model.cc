// ServedModel: loading, EOS ids, running a request's sequences.
#include "served_model.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "faq/model/device.h"
#include "faq/util/error.h"

namespace faq::serve {
namespace {

void AddEos(std::vector<int64_t>& ids, const nlohmann::json& value, const std::string& file) {
  auto add = [&](const nlohmann::json& v) {
    if (!v.is_number_integer()) {
      Fail("{}: field 'eos_token_id' must be an integer or a list of integers, got {}", file, value.dump());
    }
    if (std::find(ids.begin(), ids.end(), v.get<int64_t>()) == ids.end()) ids.push_back(v.get<int64_t>());
  };
  if (value.is_null()) return;
  if (!value.is_array()) return add(value);
  for (const auto& v : value) add(v);
}

}  // namespace

std::vector<int64_t> CollectEosIds(const std::filesystem::path& dir, const ModelConfig& config,
                                   const Tokenizer& tokenizer) {
  std::vector<int64_t> ids;
  AddEos(ids, nlohmann::json(config.eos_token_ids), (dir / "config.json").string());
  const auto generation = dir / "generation_config.json";
  if (std::filesystem::exists(generation)) {
    nlohmann::json g;
    try {
      g = nlohmann::json::parse(std::ifstream(generation));
    } catch (const nlohmann::json::exception& e) {
      Fail("{}: invalid JSON ({})", generation.string(), e.what());
    }
    if (g.is_object() && g.contains("eos_token_id")) AddEos(ids, g["eos_token_id"], generation.string());
  }
  if (const auto& eos = tokenizer.Config().eos_token) {
    if (auto id = tokenizer.TokenToId(*eos)) AddEos(ids, *id, "tokenizer_config.json");
  }
  return ids;
}

ServedModel::ServedModel(const std::filesystem::path& model_dir, std::string served_name, int max_batch,
                         const std::string& device, const std::string& dtype)
    : dir(model_dir), name(std::move(served_name)) {
  CausalLM::Options options;
  options.resident = true;  // every step walks every layer
  options.device = ResolveDevice(device);
  options.compute_type = ResolveComputeType(dtype, LoadModelConfig(dir));
  model = std::make_unique<CausalLM>(dir, options);
  tokenizer = Tokenizer::Load(dir);
  tokenizer_config = tokenizer->Config();
  if (!tokenizer_config.chat_template.empty()) {
    chat_template = std::make_unique<ChatTemplate>(tokenizer_config.chat_template,
                                                   (dir / "tokenizer_config.json").string() + ":chat_template");
  } else {
    spdlog::warn("{}: the tokenizer has no chat template; /v1/chat/completions will answer 400", dir.string());
  }
  eos_ids = CollectEosIds(dir, model->config(), *tokenizer);
  // Load every layer now: the first request should not pay for it.
  for (int64_t i = 0; i < model->NumLayers(); ++i) model->Layer(i);
  engine = std::make_unique<GenerationEngine>(*model, *tokenizer, max_batch);
}

std::vector<SequenceResult> ServedModel::Run(std::vector<SequenceRequest> sequences) {
  std::vector<std::future<SequenceResult>> futures;
  futures.reserve(sequences.size());
  for (auto& s : sequences) futures.push_back(engine->Submit(std::move(s)));
  std::vector<SequenceResult> results;
  std::exception_ptr first_error;
  for (auto& f : futures) {
    // Wait for all, even after a failure: the engine still owns their promises.
    try {
      results.push_back(f.get());
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  return results;
}

std::string ServedModel::TokenText(int32_t id) const {
  if (id < 0 || id >= tokenizer->VocabSize()) return "";
  const int32_t one[] = {id};
  return tokenizer->Decode(one, /*skip_special_tokens=*/false);
}

}  // namespace faq::serve
