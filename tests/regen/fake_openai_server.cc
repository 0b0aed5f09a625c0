// FakeOpenAiServer: cpp-httplib on a loopback port in a background thread.
#include "fake_openai_server.h"

#include <regex>

namespace faq::testing {
namespace {

// The seed's text: the last paragraph of the user message (the bundled prompts end with it).
std::string LastParagraph(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t cut = text.rfind("\n\n");
  return cut == std::string::npos ? text : text.substr(cut + 2);
}

// The fake judge's opinion of an answer: the N of "q=N" in it, 0 without one.
int Quality(const std::string& answer) {
  std::smatch m;
  return std::regex_search(answer, m, std::regex(R"(q=(\d+))")) ? std::stoi(m[1].str()) : 0;
}

std::string Between(const std::string& text, const std::string& begin, const std::string& end) {
  size_t b = text.find(begin);
  if (b == std::string::npos) return "";
  b += begin.size();
  size_t e = end.empty() ? std::string::npos : text.find(end, b);
  return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

}  // namespace

std::string FakeAnswer(const std::string& query, int index) { return "answer to: " + query + " #" + std::to_string(index); }

FakeOpenAiServer::FakeOpenAiServer() {
  // One thread per connection: the clients keep theirs alive, and stalls must not starve the rest.
  server_.new_task_queue = [] { return new httplib::ThreadPool(96); };
  // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to every small response.
  server_.set_tcp_nodelay(true);
  // The tests' main thread keeps its connection open; a short idle limit lets stop() finish.
  server_.set_keep_alive_timeout(1);
  server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake server: cannot bind a loopback port");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

FakeOpenAiServer::~FakeOpenAiServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stopping_cv_.notify_all();
  server_.stop();
  thread_.join();
}

void FakeOpenAiServer::QueueFaults(const std::vector<Fault>& faults) {
  std::lock_guard lock(mutex_);
  faults_.insert(faults_.end(), faults.begin(), faults.end());
}

void FakeOpenAiServer::FailEveryFirstAttempt(Fault fault) {
  std::lock_guard lock(mutex_);
  first_attempt_fault_ = fault;
}

std::vector<SeenRequest> FakeOpenAiServer::Seen() {
  std::lock_guard lock(mutex_);
  return seen_;
}

size_t FakeOpenAiServer::SeenCount() {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

void FakeOpenAiServer::Sleep(double seconds) {
  std::unique_lock lock(mutex_);
  stopping_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
}

void FakeOpenAiServer::Handle(const httplib::Request& req, httplib::Response& res) {
  auto arrival = std::chrono::steady_clock::now();
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  std::optional<Fault> fault;
  {
    std::lock_guard lock(mutex_);
    seen_.push_back({arrival, body, req.get_header_value("Authorization")});
    bool first_attempt = bodies_seen_.insert(req.body).second;
    if (!faults_.empty()) {
      fault = faults_.front();
      faults_.pop_front();
    } else if (first_attempt) {
      fault = first_attempt_fault_;
    }
  }
  auto error = [&](int status, const std::string& message) {
    res.status = status;
    res.set_content(nlohmann::json{{"error", {{"message", message}, {"type", "test"}, {"code", status}}}}.dump(),
                    "application/json");
  };
  if (body.is_discarded() || !body.contains("messages")) return error(400, "bad request body");
  if (fault) {
    switch (*fault) {
      case Fault::kServerError: return error(500, "injected server error");
      case Fault::kRateLimit:
        res.set_header("Retry-After", retry_after);
        return error(429, "injected rate limit");
      case Fault::kStall: Sleep(stall_seconds); break;
      case Fault::kDrop:
        res.status = 200;
        res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink&) { return false; });
        return;
      case Fault::kTruncate: {
        auto full = std::make_shared<std::string>(Answer(body).dump());
        res.status = 200;
        res.set_content_provider(full->size(), "application/json", [full](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset > 0) return false;
          sink.write(full->data(), full->size() / 2);
          return true;
        });
        return;
      }
      case Fault::kMalformed: return res.set_content("{\"choices\": [{\"message\": {\"content\": \"cut", "application/json");
      case Fault::kNoChoices: return res.set_content("{\"object\": \"error\"}", "application/json");
    }
  }
  if (delay_ms > 0) Sleep(delay_ms / 1000.0);
  std::string user = body["messages"].back().value("content", "");
  if (poison && user.find("poison") != std::string::npos) return error(500, "poisoned query");
  if (reject_n && body.value("n", 1) > 1) return error(400, "n > 1 is not supported");
  res.set_content(Answer(body).dump(), "application/json");
}

nlohmann::json FakeOpenAiServer::Answer(const nlohmann::json& body) {
  std::string user = body["messages"].back().value("content", "");
  double temperature = body.value("temperature", 1.0);
  nlohmann::json choices = nlohmann::json::array();
  auto choice = [&](int index, const std::string& content, const std::string& reasoning, const std::string& finish) {
    nlohmann::json message = {{"role", "assistant"}, {"content", content}};
    if (!reasoning.empty()) {
      if (think_in_content) {
        message["content"] = "<think>\n" + reasoning + "\n</think>\n\n" + content;
      } else {
        message["reasoning_content"] = reasoning;
      }
    }
    choices.push_back({{"index", index}, {"message", message}, {"finish_reason", finish}});
  };
  if (user.find("Grade the answer") != std::string::npos) {
    std::string answer = Between(user, "Answer:\n", "");
    // "garble": unparseable when greedy, fine when sampled; "hopeless": never parseable.
    if (answer.find("hopeless") != std::string::npos || (answer.find("garble") != std::string::npos && temperature == 0)) {
      choice(0, "I would rather not say.", "", "stop");
    } else {
      choice(0, "The answer is fine.\nScore: " + std::to_string(Quality(answer)), "", "stop");
    }
  } else if (user.find("Compare two answers") != std::string::npos) {
    int a = Quality(Between(user, "Answer A:\n", "\n\nAnswer B:")), b = Quality(Between(user, "Answer B:\n", ""));
    choice(0, judge_prefers_a || a >= b ? "Winner: A" : "Winner: B", "", "stop");
  } else {
    std::string query = LastParagraph(user);
    int n = std::min(body.value("n", 1), max_choices.load());
    bool long_query = query.find("LONG") != std::string::npos;
    for (int i = 0; i < n; ++i) {
      // With a request seed, the answer depends on it, so tests can see reproducibility.
      std::string suffix = body.contains("seed") ? " seed=" + body["seed"].dump() : "";
      choice(i, FakeAnswer(query, i) + suffix, "thinking about " + query, long_query ? "length" : "stop");
    }
  }
  int completion = 10 * static_cast<int>(choices.size());
  return {{"id", "chatcmpl-test"},
          {"object", "chat.completion"},
          {"model", body.value("model", "fake")},
          {"choices", choices},
          {"usage", {{"prompt_tokens", static_cast<int>(user.size() / 4)}, {"completion_tokens", completion},
                     {"total_tokens", static_cast<int>(user.size() / 4) + completion}}}};
}

}  // namespace faq::testing
