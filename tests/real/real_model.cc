#include "real/real_model.h"

#include <cstdlib>

#include "faq/util/error.h"

namespace faq::testing {

namespace {

std::filesystem::path CacheDir() {
  if (const char* cache = std::getenv("FAQ_CACHE"); cache != nullptr && *cache != '\0') return cache;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') Fail("neither FAQ_CACHE nor HOME is set: cannot find the real model");
  return std::filesystem::path(home) / ".cache" / "faq";
}

}  // namespace

std::filesystem::path RealModelDir() {
  const std::filesystem::path dir = CacheDir() / "smollm2-135m-instruct";
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"}) {
    if (!std::filesystem::exists(dir / file)) {
      Fail("SmolLM2-135M-Instruct is not at {} (no {}): run `make real-model` (tools/real_model.sh) first",
           dir.string(), file);
    }
  }
  return dir;
}

}  // namespace faq::testing
