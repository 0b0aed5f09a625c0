// What the serve tests share: a random-weight Qwen3 model with the real Qwen3 tokenizer,
// one in-process server on a free loopback port for the whole binary, and JSON over HTTP.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace faq::serve_test {

// Writes the model (config, weights, generation_config.json with Qwen3's two EOS ids,
// tokenizer files) into `dir`.
void WriteServeModel(const std::filesystem::path& dir);

// The model directory and the server, created on first use and kept for the process.
const std::filesystem::path& ModelDir();
int ServerPort();

struct HttpReply {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string raw;
};

HttpReply Get(int port, const std::string& path);
HttpReply PostRaw(int port, const std::string& path, const std::string& body);
HttpReply Post(int port, const std::string& path, const nlohmann::json& body);
inline HttpReply Post(const std::string& path, const nlohmann::json& body) { return Post(ServerPort(), path, body); }

}  // namespace faq::serve_test
