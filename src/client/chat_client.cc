// ChatClient: the retry loop around HttpSession.
#include "faq/client/chat_client.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "faq/client/http_session.h"

namespace faq {
namespace {

bool RetryableStatus(long status) { return status == 408 || status == 409 || status == 429 || status >= 500; }

std::string Excerpt(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s) if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// One session per thread: libcurl easy handles must not be shared between threads, and a
// thread-local keeps its keep-alive connections across calls without a handle pool.
HttpSession& ThreadSession() {
  thread_local HttpSession session;
  return session;
}

}  // namespace

ChatClient::ChatClient(ChatClientOptions options) : options_(std::move(options)) {
  if (options_.endpoints.empty()) throw UsageError("--endpoint: at least one base URL is needed (http://host:8000/v1)");
  for (std::string url : options_.endpoints) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw UsageError(fmt::format("--endpoint: expected an http:// or https:// base URL, got '{}'", url));
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    urls_.push_back(url + "/chat/completions");
  }
}

ChatReply ChatClient::Complete(const nlohmann::json& request) {
  const std::string body = request.dump();
  std::vector<std::string> headers;
  if (!options_.api_key.empty()) headers.push_back("Authorization: Bearer " + options_.api_key);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  HttpSession& session = ThreadSession();
  std::string last_error;
  long last_status = 0;
  for (int attempt = 0; attempt <= options_.retry.retries; ++attempt) {
    size_t which = next_endpoint_.fetch_add(1) % urls_.size();
    const std::string& url = urls_[which];
    auto start = std::chrono::steady_clock::now();
    HttpResult r = session.PostJson(url, body, headers, options_.timeout_seconds);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::optional<double> retry_after;
    if (!r.transport_error.empty()) {
      last_status = 0;
      last_error = fmt::format("{}: {}", url, r.transport_error);
      if (r.url_error) throw ChatError(last_error, 0, false);
    } else if (r.status == 200) {
      try {
        ChatReply reply = ParseChatReply(r.body, url);
        reply.endpoint = options_.endpoints[which];
        reply.seconds = seconds;
        reply.attempts = attempt + 1;
        return reply;
      } catch (const MalformedReply& e) {
        last_status = 200;
        last_error = e.what();
      }
    } else {
      last_status = r.status;
      last_error = fmt::format("{}: HTTP {}: {}", url, r.status, Excerpt(r.body));
      if (!RetryableStatus(r.status)) throw ChatError(last_error, r.status, false);
      if (!r.retry_after.empty()) retry_after = ParseRetryAfter(r.retry_after, std::time(nullptr));
    }
    if (attempt == options_.retry.retries) break;
    double wait = options_.retry.Delay(attempt, retry_after, rng);
    spdlog::debug("attempt {} failed ({}); retrying in {:.2f}s", attempt + 1, last_error, wait);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  throw ChatError(fmt::format("gave up after {} attempts; last error: {}", options_.retry.retries + 1, last_error),
                  last_status, true);
}

ChatClientOptions MakeChatClientOptions(const std::vector<std::string>& endpoints, const std::string& api_key_env,
                                        double timeout_seconds, int retries, double backoff_base_seconds) {
  ChatClientOptions c;
  c.endpoints = endpoints;
  c.api_key = ApiKeyFromEnv(api_key_env);
  c.timeout_seconds = timeout_seconds;
  c.retry.retries = retries;
  c.retry.base_seconds = backoff_base_seconds;
  return c;
}

std::string ApiKeyFromEnv(const std::string& var) {
  if (var.empty()) return "";
  const char* value = std::getenv(var.c_str());
  if (!value) throw UsageError(fmt::format("--api-key-env: environment variable '{}' is not set", var));
  return value;
}

}  // namespace faq
