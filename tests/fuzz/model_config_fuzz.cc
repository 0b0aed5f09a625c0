// libFuzzer target: the input is a config.json. Parsing must give a ModelConfig or faq::Error,
// and a config that is accepted must hold what the parser promises the model code: positive
// sizes, attention heads in whole groups of key/value heads and an even, positive head_dim.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "faq/io/json.h"
#include "faq/model/model_config.h"
#include "faq/util/error.h"

namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "accepted a config.json that breaks: %s\n", what);
    std::abort();
  }
}

void CheckAccepted(const faq::ModelConfig& c) {
  Require(c.vocab_size > 0 && c.hidden_size > 0 && c.num_hidden_layers > 0, "positive vocab, hidden and layers");
  Require(c.num_attention_heads > 0 && c.num_key_value_heads > 0, "positive head counts");
  Require(c.num_attention_heads % c.num_key_value_heads == 0, "heads in whole key/value groups");
  Require(c.head_dim > 0 && c.head_dim % 2 == 0, "an even, positive head_dim");
  Require(c.NumKeyValueGroups() >= 1, "at least one head per key/value head");
  Require(!faq::ArchitectureName(c.arch).empty(), "a named architecture");
  for (int64_t i = 0; i < c.num_hidden_layers && i < 64; ++i) (void)c.IsSparseLayer(i);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    CheckAccepted(faq::ParseModelConfig(faq::ParseJson(text, "fuzz/config.json"), "fuzz/config.json"));
  } catch (const faq::Error&) {
    // A malformed or unsupported config is reported, by design.
  }
  return 0;
}
