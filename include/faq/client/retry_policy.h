// When to try a failed request again, and how long to wait first.
#pragma once

#include <ctime>
#include <optional>
#include <random>
#include <string_view>

namespace faq {

// Exponential backoff with full jitter (the wait is uniform in [0, min(max, base * 2^retry)]),
// so that many clients hitting one overloaded server do not retry in lockstep. A server's
// Retry-After is a floor on the wait: it knows better than our guess.
struct RetryPolicy {
  int retries = 5;                  // attempts after the first
  double base_seconds = 1.0;
  double max_seconds = 60.0;
  double max_retry_after_seconds = 600.0;  // a larger Retry-After is clamped to this

  // Seconds to wait before retry number `retry` (0-based).
  double Delay(int retry, std::optional<double> retry_after, std::mt19937_64& rng) const;
};

// Parses a Retry-After header value: delta-seconds ("120") or an HTTP date
// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to `now`. Nullopt when unparseable.
std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now);

}  // namespace faq
