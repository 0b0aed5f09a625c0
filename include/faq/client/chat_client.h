// An OpenAI-compatible chat-completions client: round-robin over endpoints, retries with
// backoff, one keep-alive connection per calling thread.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <vector>

#include "faq/client/chat_reply.h"
#include "faq/client/retry_policy.h"
#include "faq/util/error.h"

namespace faq {

struct ChatClientOptions {
  std::vector<std::string> endpoints;  // base URLs as clients write them: http://host:8000/v1
  std::string api_key;                 // sent as "Authorization: Bearer"; empty: none
  double timeout_seconds = 600;        // per attempt, connection to last byte
  RetryPolicy retry;
};

// A request that failed for good: after the last retry, or at once for errors that a
// retry cannot fix (400, 401, 404, ...). `status` is the last HTTP status (0: no response).
class ChatError : public Error {
 public:
  ChatError(const std::string& what, long status, bool retryable)
      : Error(what), status_(status), retryable_(retryable) {}
  long status() const { return status_; }
  bool retryable() const { return retryable_; }

 private:
  long status_;
  bool retryable_;
};

class ChatClient {
 public:
  // Throws UsageError for an empty endpoint list or a URL that is not http(s).
  explicit ChatClient(ChatClientOptions options);

  // POSTs `request` to <endpoint>/chat/completions and parses the answer. Each attempt
  // takes the next endpoint in turn, so a dead server costs one retry, not the request.
  // Retries 408/409/429/5xx, transport failures (refused, reset, timeout, body cut short)
  // and malformed 200 bodies, waiting per RetryPolicy (at least Retry-After). Throws
  // ChatError when it gives up. Thread-safe.
  ChatReply Complete(const nlohmann::json& request);

  const ChatClientOptions& options() const { return options_; }

 private:
  ChatClientOptions options_;
  std::vector<std::string> urls_;
  std::atomic<uint64_t> next_endpoint_{0};
};

// The options every command that talks to a server shares: `--endpoint`, `--api-key-env`,
// `--timeout`, `--retries`, `--backoff`. Throws UsageError when the key variable is unset.
ChatClientOptions MakeChatClientOptions(const std::vector<std::string>& endpoints, const std::string& api_key_env,
                                        double timeout_seconds, int retries, double backoff_base_seconds);

// Resolves `--api-key-env VAR`: the variable's value, "" when `var` is empty. Throws
// UsageError when the variable is not set.
std::string ApiKeyFromEnv(const std::string& var);

}  // namespace faq
