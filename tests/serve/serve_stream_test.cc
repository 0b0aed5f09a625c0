// Streaming (`stream: true`) over real HTTP: server-sent events framed as vLLM sends them, whose
// pieces add up to exactly the answer the same request gets without streaming; and the chat
// chunks' reasoning/content split on deltas that cut the think tags apart.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "serve/chat_chunks.h"
#include "serve/served_model.h"
#include "serve_fixture.h"

namespace faq::serve_test {
namespace {

using nlohmann::json;

struct Sse {
  std::string content_type;
  std::vector<json> chunks;  // every event before [DONE]
  bool done = false;         // ended with `data: [DONE]`
};

// POSTs `body` and splits the answer into its events; every event must be `data: ...\n\n`.
Sse PostStream(const std::string& path, const json& body) {
  httplib::Client client("127.0.0.1", ServerPort());
  client.set_read_timeout(300, 0);
  auto r = client.Post(path, body.dump(), "application/json");
  Sse out;
  EXPECT_TRUE(r) << "no answer";
  if (!r) return out;
  EXPECT_EQ(r->status, 200) << r->body;
  out.content_type = r->get_header_value("Content-Type");
  const std::string& text = r->body;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find("\n\n", at);
    EXPECT_NE(end, std::string::npos) << "an event without its blank line: " << text.substr(at);
    if (end == std::string::npos) break;
    const std::string event = text.substr(at, end - at);
    at = end + 2;
    EXPECT_TRUE(event.starts_with("data: ")) << event;
    EXPECT_FALSE(out.done) << "an event after [DONE]: " << event;
    const std::string data = event.substr(6);
    if (data == "[DONE]") {
      out.done = true;
    } else {
      out.chunks.push_back(json::parse(data));
    }
  }
  return out;
}

// Logprobs of two runs of the same tokens: equal up to float noise (a batch's rows and threads
// may sum in another order), whatever the nesting (numbers compared, everything else equal).
void ExpectSameLogprobs(const json& streamed, const json& whole, const std::string& where) {
  if (streamed.is_number() && whole.is_number()) {
    EXPECT_NEAR(streamed.get<double>(), whole.get<double>(), 1e-4) << where;
    return;
  }
  ASSERT_EQ(streamed.type(), whole.type()) << where << ": " << streamed << " vs " << whole;
  if (streamed.is_array()) {
    ASSERT_EQ(streamed.size(), whole.size()) << where;
    for (size_t i = 0; i < streamed.size(); ++i) {
      ExpectSameLogprobs(streamed[i], whole[i], where + "[" + std::to_string(i) + "]");
    }
  } else if (streamed.is_object()) {
    ASSERT_EQ(streamed.size(), whole.size()) << where << ": " << streamed << " vs " << whole;
    for (const auto& [key, value] : whole.items()) {
      ASSERT_TRUE(streamed.contains(key)) << where << ": no " << key;
      ExpectSameLogprobs(streamed[key], value, where + "." + key);
    }
  } else {
    EXPECT_EQ(streamed, whole) << where;
  }
}

json ChatBody(json extra) {
  json body = {{"messages", {{{"role", "user"}, {"content", "Tell me about the sea."}}}},
               {"temperature", 0},
               {"max_tokens", 12},
               {"chat_template_kwargs", {{"enable_thinking", false}}}};
  body.update(extra);
  return body;
}

TEST(ServeStream, ChatChunksAddUpToTheWholeAnswer) {
  const json request = ChatBody({{"logprobs", true}, {"top_logprobs", 3}, {"n", 2}, {"seed", 5}, {"temperature", 0.9}});
  auto whole = Post("/v1/chat/completions", request);
  ASSERT_EQ(whole.status, 200) << whole.raw;
  json streamed_request = request;
  streamed_request["stream"] = true;
  streamed_request["stream_options"] = {{"include_usage", true}};
  Sse sse = PostStream("/v1/chat/completions", streamed_request);
  EXPECT_EQ(sse.content_type, "text/event-stream");
  ASSERT_TRUE(sse.done);
  ASSERT_GE(sse.chunks.size(), 3u);

  // The first chunk gives each choice the assistant role; the last one is the usage alone.
  const json& first = sse.chunks.front();
  ASSERT_EQ(first["choices"].size(), 2u) << first;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(first["choices"][i]["index"], i);
    EXPECT_EQ(first["choices"][i]["delta"]["role"], "assistant");
  }
  const json& usage = sse.chunks.back();
  EXPECT_TRUE(usage["choices"].empty()) << usage;
  EXPECT_EQ(usage["usage"], whole.body["usage"]);

  std::vector<std::string> content(2);
  std::vector<json> logprobs(2, json::array());
  std::vector<json> finish(2);
  for (const json& chunk : sse.chunks) {
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["id"], first["id"]);
    EXPECT_EQ(chunk["model"], "tiny-qwen3");
    if (&chunk != &usage) {
      EXPECT_FALSE(chunk.contains("usage")) << chunk;
    }
    for (const json& choice : chunk["choices"]) {
      const int i = choice["index"];
      EXPECT_TRUE(finish[i].is_null()) << "a chunk after the finish reason: " << chunk;
      if (choice["delta"].contains("content")) content[i] += choice["delta"]["content"].get<std::string>();
      if (!choice["logprobs"].is_null()) {
        for (const json& entry : choice["logprobs"]["content"]) logprobs[i].push_back(entry);
      }
      finish[i] = choice["finish_reason"];
    }
  }
  for (int i = 0; i < 2; ++i) {
    const json& expected = whole.body["choices"][i];
    EXPECT_EQ(content[i], expected["message"]["content"]) << "choice " << i;
    EXPECT_EQ(finish[i], expected["finish_reason"]) << "choice " << i;
    ExpectSameLogprobs(logprobs[i], expected["logprobs"]["content"], "choice " + std::to_string(i));
  }
}

TEST(ServeStream, CompletionChunksAddUpToTheWholeAnswerWithEchoLogprobsAndStop) {
  json request = {{"prompt", json::array({"The weather today", json::array({9707, 11, 1879})})},
                  {"max_tokens", 16},
                  {"temperature", 0}};
  auto plain = Post("/v1/completions", request);
  ASSERT_EQ(plain.status, 200) << plain.raw;
  // A stop string from the middle of the first answer: the stream must hold back the text
  // that could turn out to be its beginning.
  const std::string text = plain.body["choices"][0]["text"];
  ASSERT_GE(text.size(), 6u) << text;
  request["stop"] = text.substr(text.size() / 2, 3);
  request["echo"] = true;
  request["logprobs"] = 2;
  request["n"] = 2;
  auto whole = Post("/v1/completions", request);
  ASSERT_EQ(whole.status, 200) << whole.raw;
  request["stream"] = true;
  Sse sse = PostStream("/v1/completions", request);
  ASSERT_TRUE(sse.done);

  const size_t choices = whole.body["choices"].size();
  ASSERT_EQ(choices, 4u);
  std::vector<std::string> texts(choices);
  std::vector<json> tokens(choices, json::array()), token_logprobs(choices, json::array()),
      text_offset(choices, json::array());
  std::vector<json> finish(choices);
  for (const json& chunk : sse.chunks) {
    EXPECT_EQ(chunk["object"], "text_completion");
    EXPECT_FALSE(chunk.contains("usage")) << "no usage chunk unless asked for";
    ASSERT_EQ(chunk["choices"].size(), 1u) << chunk;
    const json& choice = chunk["choices"][0];
    const int i = choice["index"];
    texts[i] += choice["text"].get<std::string>();
    if (!choice["logprobs"].is_null()) {
      for (const char* field : {"tokens", "token_logprobs", "text_offset"}) {
        auto& into = std::string(field) == "tokens" ? tokens[i]
                     : std::string(field) == "text_offset" ? text_offset[i] : token_logprobs[i];
        for (const json& v : choice["logprobs"][field]) into.push_back(v);
      }
    }
    finish[i] = choice["finish_reason"];
  }
  for (size_t i = 0; i < choices; ++i) {
    const json& expected = whole.body["choices"][i];
    EXPECT_EQ(texts[i], expected["text"]) << "choice " << i;
    EXPECT_EQ(finish[i], expected["finish_reason"]) << "choice " << i;
    EXPECT_EQ(tokens[i], expected["logprobs"]["tokens"]) << "choice " << i;
    ExpectSameLogprobs(token_logprobs[i], expected["logprobs"]["token_logprobs"], "choice " + std::to_string(i));
    EXPECT_EQ(text_offset[i], expected["logprobs"]["text_offset"]) << "choice " << i;
  }
  EXPECT_EQ(whole.body["choices"][0]["finish_reason"], "stop");
}

TEST(ServeStream, ReasoningAndContentDeltasNeverCarryAPieceOfATag) {
  serve::ServedModel model(ModelDir(), "tiny-qwen3", 1, "cpu", "fp32");
  serve::ChatChunks chunks(model, 1, /*opened_thinking=*/false, /*logprobs=*/false);
  const std::vector<std::string> pieces = {"<thi", "nk>\npl", "an</th", "ink>\n\nans", "wer"};
  std::string reasoning, content;
  for (size_t i = 0; i < pieces.size(); ++i) {
    serve::StreamDelta d;
    d.text = pieces[i];
    d.first = i == 0;
    if (i + 1 == pieces.size()) d.finish_reason = "stop";
    const json choice = json::parse(chunks.Choice(d).dump(), nullptr, false);
    if (choice.is_null()) continue;
    const json& delta = choice["delta"];
    if (delta.contains("reasoning_content")) {
      EXPECT_EQ(delta["reasoning"], delta["reasoning_content"]);
      reasoning += delta["reasoning_content"].get<std::string>();
    }
    if (delta.contains("content")) content += delta["content"].get<std::string>();
  }
  EXPECT_EQ(reasoning, "\nplan");
  EXPECT_EQ(content, "\n\nanswer");
}

TEST(ServeStream, AStreamNobodyReadsIsCancelled) {
  serve::ServedModel model(ModelDir(), "tiny-qwen3", 1, "cpu", "fp32");
  const int64_t asked = 400;
  {
    serve::StreamOptions options{"cmpl", false, {}, 2};
    serve::TokenStream stream(model, options, std::make_unique<serve::ChatChunks>(model, 1, false, false));
    SequenceRequest s;
    s.prompt = {9707, 11};
    s.max_new_tokens = asked;
    s.sampling.temperature = 0;
    stream.Start({s});
    std::string event;
    ASSERT_TRUE(stream.Next(event));  // the role chunk
    ASSERT_TRUE(stream.Next(event));  // the first content: generation is under way
    EXPECT_TRUE(event.starts_with("data: ")) << event;
  }  // the client is gone
  // The engine finishes the sequence (aborted) long before the 400 tokens it was asked for.
  while (model.engine->Stats().sequences == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_LT(model.engine->Stats().generated_tokens, static_cast<uint64_t>(asked));
}

}  // namespace
}  // namespace faq::serve_test
