// `faq serve`: an OpenAI-compatible HTTP server (/v1/chat/completions, /v1/completions,
// /v1/models, /health) on faq's own forward pass, so the FAQ data stages and
// lm-evaluation-harness can run against a local model exactly as against vLLM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace faq {

struct ServeOptions {
  std::filesystem::path model_dir;       // HF model dir with tokenizer.json / tokenizer_config.json
  std::string host = "127.0.0.1";
  int port = 8000;                       // 0 = any free port
  std::string served_model_name;         // default: the model directory's name
  int max_batch = 8;                     // sequences decoded together
  size_t max_body_bytes = 8 << 20;       // larger request bodies get 413
  int http_threads = 0;                  // 0 = 2 * max_batch + 4 (handlers block on the model)
  std::string device = "cpu";           // --device: cpu | cuda | cuda:N | auto
  std::string dtype = "fp32";           // --dtype: auto | fp32 | bf16 | fp16
};

struct ServeStats {
  uint64_t requests = 0;        // answered with 200
  uint64_t failed_requests = 0; // answered with an error status
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
};

class OpenAiServer {
 public:
  // Loads model, tokenizer and chat template; throws faq::Error naming what is missing.
  explicit OpenAiServer(ServeOptions options);
  ~OpenAiServer();  // Stop()
  OpenAiServer(const OpenAiServer&) = delete;
  OpenAiServer& operator=(const OpenAiServer&) = delete;

  // Binds and serves on background threads; returns the bound port. Throws faq::Error
  // when the address cannot be bound.
  int Start();
  void Stop();
  void Wait();  // blocks until stopped
  std::string BaseUrl() const;  // "http://HOST:PORT/v1"
  const std::string& ModelName() const;
  int Port() const;
  ServeStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faq
