// One HTTP connection (a libcurl easy handle) that POSTs JSON bodies.
#pragma once

#include <string>
#include <vector>

namespace faq {

// The outcome of one POST. `transport_error` is empty when an HTTP response arrived
// complete; otherwise it describes what went wrong (refused, reset, timeout, a body cut
// short of its declared length) and `status` is 0.
struct HttpResult {
  std::string transport_error;
  long status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  bool url_error = false;   // the URL itself is unusable: retrying cannot help
};

// Keeps its connection alive between requests. Not thread-safe: one owner thread.
class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  HttpResult PostJson(const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers, double timeout_seconds);

 private:
  void* curl_;  // CURL*, kept out of this header
};

}  // namespace faq
