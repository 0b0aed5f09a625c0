// Errors answered to an API client, in OpenAI's shape:
// {"error": {"message", "type", "param", "code"}} with an HTTP status.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace faq::serve {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message, std::string param = "", std::string code = "",
           std::string type = "invalid_request_error")
      : std::runtime_error(message), status_(status), param_(std::move(param)), code_(std::move(code)),
        type_(std::move(type)) {}
  int status() const { return status_; }
  nlohmann::json Body() const;

 private:
  int status_;
  std::string param_, code_, type_;
};

// A 400 for request field `param`.
[[noreturn]] inline void BadRequest(const std::string& param, const std::string& message) {
  throw ApiError(400, message, param);
}

// The body of an error answer; empty param/code become null.
nlohmann::json ErrorBody(const std::string& message, const std::string& type, const std::string& param,
                         const std::string& code);

}  // namespace faq::serve
