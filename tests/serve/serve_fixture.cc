// The shared server fixture.
#include "serve_fixture.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>

#include "faq/model/random_model.h"
#include "faq/serve/openai_server.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq::serve_test {

void WriteServeModel(const std::filesystem::path& dir) {
  auto config = TinyModelConfig("qwen3");
  config["vocab_size"] = 151669;  // the Qwen3 tokenizer's ids
  config["eos_token_id"] = 151645;  // <|im_end|>, as Qwen3's config.json
  WriteRandomModel(dir, config, {.seed = 11});
  // Qwen3's generation_config.json adds <|endoftext|>.
  WriteFileAtomic(dir / "generation_config.json", R"({"eos_token_id": [151645, 151643]})");
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    std::filesystem::copy_file(testing::SharedDir() / "tokenizers/qwen3" / f, dir / f);
  }
}

namespace {

struct Shared {
  testing::TempDir root;
  std::filesystem::path model;
  std::unique_ptr<OpenAiServer> server;
  int port = 0;
};

Shared& Instance() {
  static Shared* shared = [] {
    auto* s = new Shared;  // lives until exit: the server thread must not outlive its state
    s->model = s->root / "tiny-qwen3";
    WriteServeModel(s->model);
    ServeOptions options;
    options.model_dir = s->model;
    options.port = 0;
    options.max_batch = 4;
    options.max_body_bytes = 64 << 10;
    s->server = std::make_unique<OpenAiServer>(options);
    s->port = s->server->Start();
    return s;
  }();
  return *shared;
}

HttpReply ToReply(const httplib::Result& r) {
  HttpReply out;
  if (!r) return out;
  out.status = r->status;
  out.raw = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

httplib::Client Client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(300, 0);
  return c;
}

}  // namespace

const std::filesystem::path& ModelDir() { return Instance().model; }
int ServerPort() { return Instance().port; }

HttpReply Get(int port, const std::string& path) { return ToReply(Client(port).Get(path)); }

HttpReply PostRaw(int port, const std::string& path, const std::string& body) {
  return ToReply(Client(port).Post(path, body, "application/json"));
}

HttpReply Post(int port, const std::string& path, const nlohmann::json& body) {
  return PostRaw(port, path, body.dump());
}

}  // namespace faq::serve_test
