// An OpenAI-style chat-completions server for the tests: answers deterministically from
// the prompt, and injects the faults a real deployment produces when told to.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace faq::testing {

enum class Fault {
  kServerError,  // 500 with an OpenAI error body
  kRateLimit,    // 429 with Retry-After: retry_after
  kStall,        // no answer for stall_seconds (past the client's timeout)
  kDrop,         // headers, then the connection closes without a body
  kTruncate,     // half of a Content-Length body, then the connection closes
  kMalformed,    // 200 with a body that is not JSON
  kNoChoices,    // 200 with valid JSON but no `choices`
};

// What one request looked like when it arrived.
struct SeenRequest {
  std::chrono::steady_clock::time_point arrival;
  nlohmann::json body;
  std::string authorization;
};

class FakeOpenAiServer {
 public:
  FakeOpenAiServer();
  ~FakeOpenAiServer();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  // Faults served to the next requests, one each, in order (any request takes the next).
  void QueueFaults(const std::vector<Fault>& faults);
  // `fault` served to the first attempt of every request (a body not seen before); the
  // retry is answered. Queued faults come first.
  void FailEveryFirstAttempt(Fault fault);
  std::string retry_after = "1";
  double stall_seconds = 3;

  // Behaviour switches (set before requests arrive).
  std::atomic<bool> reject_n{false};           // 400 for n > 1
  std::atomic<int> max_choices{1 << 20};       // answer at most this many choices
  std::atomic<bool> think_in_content{false};   // <think>…</think> in content, no reasoning_content
  std::atomic<bool> poison{false};             // 500 for every query containing "poison"
  std::atomic<bool> judge_prefers_a{false};    // pairwise judge: always "Winner: A"
  std::atomic<int> delay_ms{0};                // every answer takes this long

  std::vector<SeenRequest> Seen();
  size_t SeenCount();

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  nlohmann::json Answer(const nlohmann::json& body);
  void Sleep(double seconds);  // interruptible by the destructor

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::deque<Fault> faults_;
  std::optional<Fault> first_attempt_fault_;
  std::set<std::string> bodies_seen_;
  std::vector<SeenRequest> seen_;
};

// The answer the fake elder gives to `query` as choice `index` (what tests expect back).
std::string FakeAnswer(const std::string& query, int index);

}  // namespace faq::testing
