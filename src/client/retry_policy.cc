// RetryPolicy: full-jitter backoff and Retry-After parsing.
#include "faq/client/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace faq {

double RetryPolicy::Delay(int retry, std::optional<double> retry_after, std::mt19937_64& rng) const {
  double cap = std::min(max_seconds, base_seconds * std::ldexp(1.0, std::min(retry, 30)));
  double wait = cap > 0 ? std::uniform_real_distribution<double>(0.0, cap)(rng) : 0.0;
  if (retry_after) wait = std::max(wait, std::min(*retry_after, max_retry_after_seconds));
  return wait;
}

std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;
    return std::stod(std::string(value));
  }
  // curl_getdate reads the RFC 7231 date forms (and the obsolete ones servers still send).
  std::time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::max(0.0, std::difftime(when, now));
}

}  // namespace faq
